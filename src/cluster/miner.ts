// Streaming log template miner: masks each message (see mask.ts), looks its masked shape up in a bounded
// cache, and otherwise finds the most similar template of the same length and leading word, generalising
// it (differing positions become `<*>`) or creating a new one. Ids are assigned once, when a template is
// created, and never change; the state (templates in their human form) restores them in a later run.
import { fingerprint } from "./fingerprint.js";
import { maskedKey, keyTokens, templateTokens, renderTokens, WILDCARD, LINE_BREAK } from "./mask.js";

export interface TemplateMatch {
  /** Stable template id: assigned when the template is first created and never changed afterwards. */
  id: string;
  /** Human form of the template: constant words kept, each variable slot shown as `<*>`. */
  template: string;
}

export interface MinerState {
  version: 1;
  templates: Array<{ id: string; template: string; count?: number }>;
}

interface Cluster {
  readonly id: string;
  tokens: string[];
  match: TemplateMatch;
  count: number;
}

/** Minimum share of a message's words that must equal the template's constant words to join it. */
const SIMILARITY = 0.7;
/** Raw messages remembered for exact repeats, and the longest message worth remembering. */
const EXACT_LIMIT = 1 << 16;
const EXACT_MAX_LENGTH = 512;
/** Masked shapes remembered; the cache is a shortcut only and is dropped when full. */
const CACHE_LIMIT = 1 << 17;

export interface MinerOptions {
  /** Entries of the exact-repeat cache (0 turns it off); the default is 65,536. */
  exactCache?: number;
}

const ENUM = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
/** Upper-case words (RUNNING, FAILED, TASK_ABORT) name states and kinds, not variable values. */
function isEnum(token: string): boolean {
  return token.length >= 2 && ENUM.test(token);
}

function bucketKey(tokens: readonly string[]): string {
  const first = tokens[0] ?? "";
  return tokens.length + "\u0000" + (first.includes(WILDCARD) ? WILDCARD : first);
}

export class TemplateMiner {
  private readonly byId = new Map<string, Cluster>();
  private readonly buckets = new Map<string, Cluster[]>();
  private readonly cache = new Map<string, Cluster>();
  /** Exact repeats of recent messages skip masking (logs repeat themselves a lot). */
  private readonly exact = new Map<string, Cluster>();
  private readonly exactLimit: number;

  constructor(state?: MinerState, options: MinerOptions = {}) {
    this.exactLimit = options.exactCache ?? EXACT_LIMIT;
    for (const t of state?.templates ?? []) {
      if (this.byId.has(t.id)) continue;
      const tokens = templateTokens(t.template);
      this.insert(t.id, tokens, t.count ?? 0);
    }
  }

  /** Assigns a message to a template (creating or generalising one) and returns it. */
  add(message: string): TemplateMatch {
    let cluster = this.exact.get(message);
    if (cluster !== undefined) {
      cluster.count++;
      return cluster.match;
    }
    const key = maskedKey(message);
    cluster = this.cache.get(key);
    if (cluster === undefined) {
      const tokens = keyTokens(key);
      cluster = this.search(tokens);
      if (cluster === undefined) {
        cluster = this.insert(this.newId(tokens), tokens, 0);
      } else {
        this.generalise(cluster, tokens);
      }
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, cluster);
    }
    if (this.exactLimit > 0 && message.length <= EXACT_MAX_LENGTH) {
      if (this.exact.size >= this.exactLimit) this.exact.clear();
      this.exact.set(message, cluster);
    }
    cluster.count++;
    return cluster.match;
  }

  /** The current template for an id (it may have been generalised since `add` returned it). */
  template(id: string): string | undefined {
    return this.byId.get(id)?.match.template;
  }

  state(): MinerState {
    return {
      version: 1,
      templates: [...this.byId.values()].map((c) => ({
        id: c.id,
        template: c.match.template,
        count: c.count,
      })),
    };
  }

  private newId(tokens: readonly string[]): string {
    const text = renderTokens(tokens);
    let id = fingerprint(text);
    for (let n = 1; this.byId.has(id); n++) id = fingerprint(text, String(n));
    return id;
  }

  private insert(id: string, tokens: string[], count: number): Cluster {
    const cluster: Cluster = {
      id,
      tokens,
      match: { id, template: renderTokens(tokens) },
      count,
    };
    this.byId.set(id, cluster);
    const key = bucketKey(tokens);
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(cluster);
    else this.buckets.set(key, [cluster]);
    return cluster;
  }

  private search(tokens: readonly string[]): Cluster | undefined {
    const bucket = this.buckets.get(bucketKey(tokens));
    if (bucket === undefined) return undefined;
    const n = tokens.length;
    let best: Cluster | undefined;
    let bestScore = -1;
    for (const c of bucket) {
      const ct = c.tokens;
      let same = 0;
      let wild = 0;
      let ok = true;
      for (let i = 0; i < n; i++) {
        const a = ct[i];
        const b = tokens[i];
        if (a === WILDCARD) wild++;
        else if (a === b) same++;
        else if (a === LINE_BREAK || b === LINE_BREAK || (isEnum(a) && isEnum(b))) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const score = n === wild ? 1 : same / (n - wild);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    return best !== undefined && bestScore >= SIMILARITY ? best : undefined;
  }

  private generalise(cluster: Cluster, tokens: readonly string[]): void {
    const ct = cluster.tokens;
    let changed = false;
    for (let i = 0; i < ct.length; i++) {
      if (ct[i] !== tokens[i] && ct[i] !== WILDCARD) {
        ct[i] = WILDCARD;
        changed = true;
      }
    }
    if (changed) {
      cluster.match = { id: cluster.id, template: renderTokens(ct) };
    }
  }
}
