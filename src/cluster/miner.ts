// PLACEHOLDER implementation: replaced by the real template miner (issue 3). Keep the exported API.
import { fingerprint } from "./fingerprint.js";

export interface TemplateMatch {
  /** Stable template id: assigned when the template is first created and never changed afterwards. */
  id: string;
  /** Human form of the template: constant words kept, each variable slot shown as `<*>`. */
  template: string;
}

export interface MinerState {
  version: 1;
  templates: Array<{ id: string; template: string }>;
}

export class TemplateMiner {
  private readonly byKey = new Map<string, TemplateMatch>();

  constructor(state?: MinerState) {
    for (const t of state?.templates ?? []) this.byKey.set(t.template, { ...t });
  }

  /** Assigns a message to a template (creating or generalising one) and returns it. */
  add(message: string): TemplateMatch {
    const key = message.replace(/\d+/g, "<*>");
    let match = this.byKey.get(key);
    if (!match) {
      match = { id: fingerprint(key), template: key };
      this.byKey.set(key, match);
    }
    return match;
  }

  /** The current template for an id (it may have been generalised since `add` returned it). */
  template(id: string): string | undefined {
    for (const t of this.byKey.values()) if (t.id === id) return t.template;
    return undefined;
  }

  state(): MinerState {
    return { version: 1, templates: [...this.byKey.values()].map((t) => ({ ...t })) };
  }
}
