// Streaming log template miner: masks each message (see mask.ts), looks its masked shape up in a bounded
// cache, and otherwise finds the most similar template of the same length and leading word, generalising
// it (differing positions become `<*>`) or creating a new one. Ids are assigned once, when a template is
// created, and never change; the state (templates in their human form) restores them in a later run.
//
// Two-phase use (`observe` every message, then `finish`, then `resolve` each handle) adds one decision
// that needs the whole input: a slot that took only a few distinct plain words, each seen repeatedly
// (`stored as bytes` / `stored as values`), names the kind of event rather than a value, so the template
// is split on it and each word becomes a constant of its own template. A slot that shows more words, or
// any masked value, stays a variable for good. `add` keeps the one-pass behaviour (no split).
import { fingerprint } from "./fingerprint.js";
import {
  createMaskers,
  referenceMaskers,
  isMasked,
  isPlaceholder,
  keyTokens,
  maskedKey,
  renderTokens,
  templateTokens,
  LINE_BREAK,
  WILDCARD,
  type Maskers,
} from "./mask.js";
import { MASK_RULES } from "./masks.js";
import { FREE_TEXT, mergeVariableLength } from "./merge.js";

export interface TemplateMatch {
  /** Stable template id: assigned when the template is first created and never changed afterwards. */
  id: string;
  /** Human form of the template: constant words kept, each variable slot shown as `<*>`. */
  template: string;
}

export interface MinerState {
  version: 1;
  templates: Array<{
    id: string;
    template: string;
    count?: number;
    /**
     * Words seen so far in variable slots that may still turn out to be event words, by token position:
     * `{"4": {"bytes": 12, "values": 3}}`. Optional; a slot without it is a variable for good.
     */
    slots?: Record<string, Record<string, number>>;
  }>;
}

/** Words seen in one slot that may still be an event word, with their counts from earlier runs. */
type SlotValues = Map<string, number>;

interface Cluster {
  readonly id: string;
  tokens: string[];
  /** 1 where the template token is a variable (holds a placeholder). */
  masked: Uint8Array;
  match: TemplateMatch;
  /** Messages counted, earlier runs (state) included. */
  count: number;
  /** Messages of this run, i.e. the sum of the counts of its variants. */
  observed: number;
  /** Variable slots still watched (position → words seen, with counts from earlier runs). */
  slots: Map<number, SlotValues>;
  /** Positions of `slots` in ascending order. */
  live: number[];
  /** Positions whose constant is an event word that was split on: a different word there never joins. */
  frozen: Set<number> | undefined;
  /** Handles of the variants of this cluster, and the variant for each combination of watched words. */
  handles: number[];
  keys: Map<string, Variant>;
}

/** Messages of one cluster that share the words in its watched slots (a handle points to one). */
interface Variant {
  readonly handle: number;
  cluster: Cluster;
  /** Tokens of the first message (values in every watched slot and every constant of that time). */
  readonly tokens: string[];
  count: number;
}

/** Raw messages remembered for exact repeats, and the longest message worth remembering. */
const EXACT_LIMIT = 1 << 16;
const EXACT_MAX_LENGTH = 512;
const EXACT_SAMPLE = 1 << 16;
const EXACT_PAUSE = 1 << 20;
/** Masked shapes remembered; the cache is a shortcut only and is dropped when full. */
const CACHE_LIMIT = 1 << 17;
/** Word combinations tracked per cluster; past this the slot with the most words is given up. */
const MAX_VARIANTS = 64;

/**
 * The miner's thresholds and rules. Every default is the choice of leave-one-dataset-out tuning
 * (`npm run bench:cluster` shows it): no value names or fits one data set.
 */
export interface MinerParams {
  /** Minimum share of a message's words that must equal the template's constant words to join it. */
  similarity: number;
  /** A slot with more distinct words than this is a variable. */
  maxEventWords: number;
  /** Each word of a slot must be seen this often for the slot to be split on. */
  minWordCount: number;
  /** Two different upper-case words (RUNNING, FAILED) at one position never join. */
  enumsApart: boolean;
  /** Templates are looked up by length and first word (else by length only). */
  routeFirst: boolean;
  /** After mining, templates of different lengths that differ only in variable spans are merged. */
  merge: boolean;
  /** Longest unaligned span (in tokens) such a merge accepts. */
  mergeGap: number;
  /** A span after a word ending in `:` at the end of the message is free text (any words). */
  mergeTail: boolean;
  /** Fewest words of such a free-text tail, on both sides. */
  tailMin: number;
  /** The colon before a free-text tail may end a variable (`from <ip>: reason`). */
  tailAfterVariable: boolean;
  /** Tails are free text only where at least this many templates differ only in them. */
  tailGroup: number;
  /** Words with `-`, `.` or `/` inside (names: `orders-svc`, `db.internal`) are never event words. */
  eventWordShape: boolean;
  /** A word around a placeholder (`rhost=<ip>`, JSON) joins only an equal word, unless generalised. */
  compositeStrict: boolean;
  /** Mask rules (by name, see masks.ts) left out. */
  dropRules: string[];
}

export const DEFAULT_PARAMS: MinerParams = {
  similarity: 0.7,
  maxEventWords: 5,
  minWordCount: 2,
  enumsApart: true,
  routeFirst: true,
  merge: true,
  mergeGap: 4,
  mergeTail: true,
  tailMin: 3,
  tailAfterVariable: true,
  tailGroup: 4,
  eventWordShape: true,
  compositeStrict: true,
  dropRules: [],
};

export interface MinerOptions {
  /** Entries of the exact-repeat cache (0 turns it off); the default is 65,536. */
  exactCache?: number;
  /** Overrides of the tuned thresholds (benchmarks and tuning only). */
  params?: Partial<MinerParams>;
  /** Masks with every rule's regular expression and no shortcut: the reference that tests compare to. */
  referenceMasks?: boolean;
}

const EVENT_WORD = /^[^-./]+$/;
const ENUM = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
/** Upper-case words (RUNNING, FAILED, TASK_ABORT) name states and kinds, not variable values. */
function isEnum(token: string): boolean {
  return token.length >= 2 && ENUM.test(token);
}

/** A token that may be an event word: no masked part, not a line break. */
function isPlain(token: string | undefined): token is string {
  return token !== undefined && token !== LINE_BREAK && !isMasked(token);
}

function maskedFlags(tokens: readonly string[]): Uint8Array {
  const flags = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) if (tokens[i] !== LINE_BREAK && isMasked(tokens[i])) flags[i] = 1;
  return flags;
}

export class TemplateMiner {
  private readonly byId = new Map<string, Cluster>();
  private readonly buckets = new Map<string, Cluster[]>();
  private readonly cache = new Map<string, Variant>();
  /** Exact repeats of recent messages skip masking (logs repeat themselves a lot). */
  private readonly exact = new Map<string, Variant>();
  private readonly exactLimit: number;
  /** Exact-message caching pays only when messages repeat verbatim; it pauses itself when they don't. */
  private exactPaused = 0;
  private exactTried = 0;
  private exactHits = 0;
  private readonly variants: Variant[] = [];
  private readonly params: MinerParams;
  private readonly maskers: Maskers | undefined;

  constructor(state?: MinerState, options: MinerOptions = {}) {
    this.exactLimit = options.exactCache ?? EXACT_LIMIT;
    this.params = { ...DEFAULT_PARAMS, ...options.params };
    const dropped = new Set(this.params.dropRules);
    const rules = MASK_RULES.filter((r) => !dropped.has(r.name));
    this.maskers = options.referenceMasks
      ? referenceMaskers(rules)
      : dropped.size === 0
        ? undefined
        : createMaskers(rules);
    for (const t of state?.templates ?? []) {
      if (this.byId.has(t.id)) continue;
      const tokens = templateTokens(t.template, this.maskers);
      const cluster = this.insert(t.id, tokens, typeof t.count === "number" ? t.count : 0);
      if (t.slots !== undefined && t.slots !== null && typeof t.slots === "object")
        this.seedSlots(cluster, t.slots);
    }
    this.freezeSiblings();
  }

  /** Assigns a message to a template (creating or generalising one) and returns it, in one pass. */
  add(message: string): TemplateMatch {
    return this.variants[this.observe(message)].cluster.match;
  }

  /**
   * First phase: assigns a message to a template and returns a handle for {@link resolve}. Handles are
   * small integers, bounded by the number of templates (not of messages). `weight` counts the message
   * that many times (a group of identical-shape messages counted elsewhere, e.g. by Log Analytics).
   */
  observe(message: string, weight = 1): number {
    let variant = this.exactPaused > 0 ? undefined : this.exact.get(message);
    this.sampleExactCache(variant !== undefined);
    if (variant === undefined) {
      variant = this.variantOfKey(maskedKey(message, this.maskers));
      if (this.exactLimit > 0 && this.exactPaused === 0 && message.length <= EXACT_MAX_LENGTH) {
        if (this.exact.size >= this.exactLimit) this.exact.clear();
        this.exact.set(message, variant);
      }
    }
    variant.count += weight;
    variant.cluster.count += weight;
    variant.cluster.observed += weight;
    return variant.handle;
  }

  /**
   * {@link observe} for a message already masked: `key` is `maskedKey(message)` with the default rules
   * (the `cluster` command masks on other threads). Not for a miner with rules left out.
   */
  observeKey(key: string): number {
    const variant = this.variantOfKey(key);
    variant.count++;
    variant.cluster.count++;
    variant.cluster.observed++;
    return variant.handle;
  }

  private variantOfKey(key: string): Variant {
    let variant = this.cache.get(key);
    if (variant === undefined) {
      const tokens = keyTokens(key, this.maskers);
      let cluster = this.search(tokens);
      if (cluster === undefined) {
        // the template's tokens change as it generalises; the variant keeps the message's own
        cluster = this.insert(this.newId(tokens), tokens.slice(), 0);
      } else {
        this.generalise(cluster, tokens);
      }
      variant = this.variantFor(cluster, tokens);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(key, variant);
    }
    return variant;
  }

  /** Counts one more message that masks exactly as the one `handle` came from (a caller's own cache). */
  repeat(handle: number): number {
    const variant = this.variants[handle];
    variant.count++;
    variant.cluster.count++;
    variant.cluster.observed++;
    return handle;
  }

  /** Pauses the exact-message cache for a while when fewer than 1 in 20 lookups hit it. */
  private sampleExactCache(hit: boolean): void {
    if (this.exactPaused > 0) {
      this.exactPaused--;
      return;
    }
    this.exactTried++;
    if (hit) this.exactHits++;
    if (this.exactTried < EXACT_SAMPLE) return;
    if (this.exactHits * 20 < this.exactTried) {
      this.exactPaused = EXACT_PAUSE;
      this.exact.clear();
    }
    this.exactTried = 0;
    this.exactHits = 0;
  }

  /**
   * Second phase: splits templates on the slots whose few words each recurred (see the file comment).
   * Call it once all messages are observed; observing more afterwards is allowed.
   */
  finish(): void {
    for (const cluster of [...this.byId.values()]) {
      if (cluster.live.length > 0) this.maybeSplit(cluster);
    }
    if (this.params.merge) this.mergeLengths();
  }

  /** Folds templates that differ only in spans of varying length into the oldest of them (see merge.ts). */
  private mergeLengths(): void {
    const clusters = [...this.byId.values()];
    const { into, freeText } = mergeVariableLength(
      clusters.map((c) => c.tokens),
      {
        maxGap: this.params.mergeGap,
        tail: this.params.mergeTail,
        tailMin: this.params.tailMin,
        tailAfterVariable: this.params.tailAfterVariable,
        tailGroup: this.params.tailGroup,
      },
    );
    for (let i = 0; i < clusters.length; i++) {
      const target = into[i];
      if (target === i) continue;
      const from = clusters[i];
      const to = clusters[target];
      for (const handle of from.handles) {
        this.variants[handle].cluster = to;
        to.handles.push(handle);
      }
      to.count += from.count;
      to.observed += from.observed;
      this.remove(from);
    }
    for (const [at, display] of freeText) {
      const c = clusters[at];
      c.match = { id: c.id, template: renderTokens(display) };
    }
  }

  private remove(cluster: Cluster): void {
    this.byId.delete(cluster.id);
    const key = this.bucketKey(cluster.tokens);
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return;
    const at = bucket.indexOf(cluster);
    if (at >= 0) bucket.splice(at, 1);
    if (bucket.length === 0) this.buckets.delete(key);
  }

  /** A word that may name a kind of event (see `MinerParams.eventWordShape`). */
  private eventLike(token: string | undefined): token is string {
    return isPlain(token) && (!this.params.eventWordShape || EVENT_WORD.test(token));
  }

  private bucketKey(tokens: readonly string[]): string {
    if (!this.params.routeFirst) return String(tokens.length);
    const first = tokens[0] ?? "";
    return tokens.length + "\u0000" + (isMasked(first) ? WILDCARD : first);
  }

  /** The template a handle from {@link observe} belongs to (after {@link finish}: its final template). */
  resolve(handle: number): TemplateMatch {
    const variant = this.variants[handle];
    if (variant === undefined) throw new RangeError(`unknown template handle ${handle}`);
    return variant.cluster.match;
  }

  /** The current template for an id (it may have been generalised since `add` returned it). */
  template(id: string): string | undefined {
    return this.byId.get(id)?.match.template;
  }

  state(): MinerState {
    return {
      version: 1,
      templates: [...this.byId.values()].map((c) => {
        const entry: MinerState["templates"][number] = {
          id: c.id,
          template: c.match.template,
          count: c.count,
        };
        if (c.live.length > 0) {
          const slots: Record<string, Record<string, number>> = {};
          for (const pos of c.live) slots[String(pos)] = Object.fromEntries(this.slotTotals(c, pos));
          entry.slots = slots;
        }
        return entry;
      }),
    };
  }

  private newId(tokens: readonly string[]): string {
    return this.freeId(renderTokens(tokens));
  }

  private freeId(...parts: string[]): string {
    let id = fingerprint(...parts);
    for (let n = 1; this.byId.has(id); n++) id = fingerprint(...parts, String(n));
    return id;
  }

  private insert(id: string, tokens: string[], count: number): Cluster {
    const cluster: Cluster = {
      id,
      tokens,
      masked: maskedFlags(tokens),
      match: { id, template: renderTokens(tokens) },
      count,
      observed: 0,
      slots: new Map(),
      live: [],
      frozen: undefined,
      handles: [],
      keys: new Map(),
    };
    this.byId.set(id, cluster);
    const key = this.bucketKey(tokens);
    const bucket = this.buckets.get(key);
    if (bucket) bucket.push(cluster);
    else this.buckets.set(key, [cluster]);
    return cluster;
  }

  /** Restores the words watched in a seeded template's variable slots (malformed entries are ignored). */
  private seedSlots(cluster: Cluster, slots: Record<string, Record<string, number>>): void {
    for (const [at, words] of Object.entries(slots)) {
      const pos = Number(at);
      if (!Number.isInteger(pos) || cluster.tokens[pos] !== WILDCARD) continue;
      if (words === null || typeof words !== "object") continue;
      const values: SlotValues = new Map();
      for (const [word, n] of Object.entries(words)) {
        if (isPlain(word) && !/\s/.test(word) && typeof n === "number" && n >= 0) values.set(word, n);
      }
      if (values.size === 0 || values.size > this.params.maxEventWords) continue;
      cluster.slots.set(pos, values);
    }
    cluster.live = [...cluster.slots.keys()].sort((a, b) => a - b);
  }

  /**
   * Seeded templates that differ in exactly one position, where both have a plain word, were kept apart
   * on purpose (a split of an earlier run, or separate issues): that word is frozen in both.
   */
  private freezeSiblings(): void {
    for (const bucket of this.buckets.values()) {
      if (bucket.length < 2) continue;
      const groups = new Map<string, Cluster[]>();
      for (const c of bucket) {
        const t = c.tokens;
        for (let i = 0; i < t.length; i++) {
          if (!isPlain(t[i])) continue;
          const key = i + "\u0001" + t.slice(0, i).join("\u0002") + "\u0001" + t.slice(i + 1).join("\u0002");
          const group = groups.get(key);
          if (group) group.push(c);
          else groups.set(key, [c]);
        }
      }
      for (const [key, group] of groups) {
        if (group.length < 2) continue;
        const pos = Number(key.slice(0, key.indexOf("\u0001")));
        for (const c of group) (c.frozen ??= new Set()).add(pos);
      }
    }
  }

  private search(tokens: readonly string[]): Cluster | undefined {
    const bucket = this.buckets.get(this.bucketKey(tokens));
    if (bucket === undefined) return undefined;
    const n = tokens.length;
    const enumsApart = this.params.enumsApart;
    const strict = this.params.compositeStrict;
    let best: Cluster | undefined;
    let bestScore = -1;
    let bestSame = -1;
    for (const c of bucket) {
      const ct = c.tokens;
      const masked = c.masked;
      const frozen = c.frozen;
      let same = 0;
      let wild = 0;
      let ok = true;
      // past the first line of a multi-line message (a trace's exception type and frames) nothing varies
      let shape = false;
      for (let i = 0; i < n; i++) {
        const a = ct[i];
        const b = tokens[i];
        if (a === LINE_BREAK) shape = true;
        if (shape && a !== b) {
          ok = false;
          break;
        }
        if (a === b) {
          if (masked[i] === 1) wild++;
          else same++;
        } else if (masked[i] === 1 && b !== LINE_BREAK && (!strict || isPlaceholder(a))) wild++;
        else if (masked[i] === 1 && b !== LINE_BREAK) continue;
        else if (
          a === LINE_BREAK ||
          b === LINE_BREAK ||
          (enumsApart && isEnum(a) && isEnum(b)) ||
          (frozen !== undefined && frozen.has(i))
        ) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      const score = n === wild ? 1 : same / (n - wild);
      // On a tie the more specific template wins (a split template over a more general one).
      if (score > bestScore || (score === bestScore && same > bestSame)) {
        bestScore = score;
        bestSame = same;
        best = c;
      }
    }
    return best !== undefined && bestScore >= this.params.similarity ? best : undefined;
  }

  private generalise(cluster: Cluster, tokens: readonly string[]): void {
    const ct = cluster.tokens;
    let changed = false;
    let watched = false;
    for (let i = 0; i < ct.length; i++) {
      const a = ct[i];
      // a free-text slot takes any word and stays free text
      if (a !== tokens[i] && a !== WILDCARD && a !== FREE_TEXT) {
        cluster.masked[i] = 1;
        // A word that starts to vary may be an event word: watch the slot, starting with the old word
        // (the messages of earlier runs all had it).
        if (this.eventLike(a) && this.eventLike(tokens[i])) {
          cluster.slots.set(i, new Map([[a, cluster.count - cluster.observed]]));
          watched = true;
        }
        ct[i] = WILDCARD;
        changed = true;
      }
    }
    if (changed) {
      cluster.match = { id: cluster.id, template: renderTokens(ct) };
    }
    if (watched) {
      cluster.live = [...cluster.slots.keys()].sort((a, b) => a - b);
      this.rekey(cluster);
    }
  }

  /** The variant of a cluster for a message's tokens, updating the words seen in the watched slots. */
  private variantFor(cluster: Cluster, tokens: string[]): Variant {
    let dropped = false;
    for (const pos of cluster.live) {
      const word = tokens[pos];
      const values = cluster.slots.get(pos) as SlotValues;
      if (!this.eventLike(word)) {
        cluster.slots.delete(pos);
        dropped = true;
      } else if (!values.has(word)) {
        values.set(word, 0);
        if (values.size > this.params.maxEventWords) {
          cluster.slots.delete(pos);
          dropped = true;
        }
      }
    }
    if (dropped) {
      cluster.live = cluster.live.filter((pos) => cluster.slots.has(pos));
      this.rekey(cluster);
    }
    const key = this.variantKey(cluster, tokens);
    let variant = cluster.keys.get(key);
    if (variant === undefined) {
      variant = { handle: this.variants.length, cluster, tokens, count: 0 };
      this.variants.push(variant);
      cluster.handles.push(variant.handle);
      cluster.keys.set(key, variant);
      if (cluster.keys.size > MAX_VARIANTS) {
        // Too many combinations: the slot with the most words is a variable.
        let widest = cluster.live[0];
        for (const pos of cluster.live) {
          if ((cluster.slots.get(pos) as SlotValues).size > (cluster.slots.get(widest) as SlotValues).size)
            widest = pos;
        }
        cluster.slots.delete(widest);
        cluster.live = cluster.live.filter((pos) => pos !== widest);
        this.rekey(cluster);
      }
    }
    return variant;
  }

  private variantKey(cluster: Cluster, tokens: readonly string[]): string {
    const live = cluster.live;
    if (live.length === 0) return "";
    let key = tokens[live[0]];
    for (let i = 1; i < live.length; i++) key += "\u0001" + tokens[live[i]];
    return key;
  }

  private rekey(cluster: Cluster): void {
    cluster.keys.clear();
    for (const handle of cluster.handles) {
      const variant = this.variants[handle];
      const key = this.variantKey(cluster, variant.tokens);
      if (!cluster.keys.has(key)) cluster.keys.set(key, variant);
    }
  }

  /** Words of a watched slot with their counts, earlier runs included, in the order first seen. */
  private slotTotals(cluster: Cluster, pos: number): Map<string, number> {
    const totals = new Map(cluster.slots.get(pos));
    for (const handle of cluster.handles) {
      const variant = this.variants[handle];
      const word = variant.tokens[pos];
      totals.set(word, (totals.get(word) ?? 0) + variant.count);
    }
    return totals;
  }

  /** Whether every message has a bare variable just before a slot (then a word there is a unit: `5 KB`). */
  private followsBareVariable(cluster: Cluster, pos: number): boolean {
    if (pos === 0 || !isPlaceholder(cluster.tokens[pos - 1]) || cluster.slots.has(pos - 1)) return false;
    for (const handle of cluster.handles) {
      if (!isPlaceholder(this.variants[handle].tokens[pos - 1])) return false;
    }
    return true;
  }

  private maybeSplit(cluster: Cluster): void {
    let split = -1;
    let words: Map<string, number> | undefined;
    for (const pos of cluster.live) {
      const totals = this.slotTotals(cluster, pos);
      if (totals.size < 2 || totals.size > this.params.maxEventWords) continue;
      let frequent = true;
      for (const n of totals.values()) if (n < this.params.minWordCount) frequent = false;
      if (!frequent || this.followsBareVariable(cluster, pos)) continue;
      split = pos;
      words = totals;
      break;
    }
    if (words === undefined) return;
    // The first word seen keeps the template and its id; each other word gets a template whose id is
    // derived from the parent's, so that the same split gives the same ids in any run.
    const handles = cluster.handles;
    const children = new Map<string, Cluster>();
    let first = true;
    for (const [word, total] of words) {
      const tokens = cluster.tokens.slice();
      tokens[split] = word;
      let child: Cluster;
      if (first) {
        child = cluster;
        cluster.tokens = tokens;
        cluster.masked = maskedFlags(tokens);
        cluster.match = { id: cluster.id, template: renderTokens(tokens) };
        first = false;
      } else {
        child = this.insert(this.freeId(cluster.id, String(split), word), tokens, 0);
      }
      child.count = total;
      child.observed = 0;
      child.handles = [];
      child.slots = new Map();
      child.live = [];
      child.frozen = new Set(cluster.frozen ?? []).add(split);
      children.set(word, child);
    }
    for (const handle of handles) {
      const variant = this.variants[handle];
      const child = children.get(variant.tokens[split]) as Cluster;
      variant.cluster = child;
      child.handles.push(handle);
      child.observed += variant.count;
    }
    for (const child of children.values()) this.rekey(child);
  }
}
