import type { Redis } from "ioredis";

/**
 * The queue's own Redis keys, next to BullMQ's under the same prefix: one FIFO mailbox per key (a repo or
 * an installation), the lock that lets one replica work a key at a time, and the per-installation rate.
 * Every read-modify-write is one Lua script, so replicas never interleave inside one.
 *
 * A mailbox entry is `id \t once \n json`: the scripts match the head by id without decoding the JSON.
 */
const PUSH = `
if ARGV[2] ~= "" and redis.call("HSETNX", KEYS[3], ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call("RPUSH", KEYS[1], ARGV[3])
redis.call("SADD", KEYS[2], ARGV[4])
return 1`;

const POP_IF_HEAD = `
local head = redis.call("LINDEX", KEYS[1], 0)
if head and string.sub(head, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. "\\t" then
  redis.call("LPOP", KEYS[1])
  local nl = string.find(head, "\\n", 1, true)
  local once = string.sub(head, string.len(ARGV[1]) + 2, nl - 1)
  if once ~= "" and redis.call("HGET", KEYS[3], once) == ARGV[1] then redis.call("HDEL", KEYS[3], once) end
end
if redis.call("LLEN", KEYS[1]) == 0 then redis.call("SREM", KEYS[2], ARGV[2]) return 0 end
return redis.call("LLEN", KEYS[1])`;

const SET_HEAD = `
local head = redis.call("LINDEX", KEYS[1], 0)
if head and string.sub(head, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. "\\t" then
  redis.call("LSET", KEYS[1], 0, ARGV[2])
  return 1
end
return 0`;

const RENEW = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 0`;

const RELEASE = `
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0`;

/** Counts a job in the installation's window; over the limit, the milliseconds until the window ends. */
const TAKE_RATE = `
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then
  redis.call("DECR", KEYS[1])
  local ttl = redis.call("PTTL", KEYS[1])
  if ttl < 0 then redis.call("PEXPIRE", KEYS[1], ARGV[2]) ttl = tonumber(ARGV[2]) end
  return ttl
end
return 0`;

/**
 * A slot among an installation's running jobs (a sorted set of holders scored by their expiry, on the
 * Redis clock, so a replica that died frees its slot when its lease runs out). Taking it again renews it.
 */
const TAKE_SLOT = `
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if redis.call("ZSCORE", KEYS[1], ARGV[1]) or redis.call("ZCARD", KEYS[1]) < tonumber(ARGV[2]) then
  redis.call("ZADD", KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
  return 1
end
return 0`;

export interface Entry<T> {
  id: string;
  /** Entries with the same `once` tag are kept once in a mailbox (e.g. a scheduled pass). */
  once?: string;
  /** Tries that threw so far. */
  attempts: number;
  /** Not before this time (epoch ms): the retry's backoff. */
  notBefore?: number;
  enqueuedAt: number;
  installationId?: number;
  work: T;
}

function encode<T>(entry: Entry<T>): string {
  return `${entry.id}\t${entry.once ?? ""}\n${JSON.stringify(entry)}`;
}

function decode<T>(raw: string): Entry<T> {
  return JSON.parse(raw.slice(raw.indexOf("\n") + 1)) as Entry<T>;
}

export class QueueStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private k(...parts: string[]): string {
    return [this.prefix, "gardener", ...parts].join(":");
  }
  private mailboxKeys(key: string): string[] {
    return [this.k("mailbox", key), this.k("mailboxes"), this.k("once", key)];
  }

  /** Appends to the key's mailbox; false when an entry with the same `once` tag is already waiting. */
  async push<T>(key: string, entry: Entry<T>): Promise<boolean> {
    const added = await this.redis.eval(
      PUSH,
      3,
      ...this.mailboxKeys(key),
      entry.id,
      entry.once ?? "",
      encode(entry),
      key,
    );
    return added === 1;
  }

  async head<T>(key: string): Promise<Entry<T> | undefined> {
    const raw = await this.redis.lindex(this.k("mailbox", key), 0);
    return raw === null ? undefined : decode<T>(raw);
  }

  /** Removes the head if it is still `id`; returns how many entries are left. */
  async popIfHead(key: string, id: string): Promise<number> {
    return Number(await this.redis.eval(POP_IF_HEAD, 3, ...this.mailboxKeys(key), id, key));
  }

  /** Rewrites the head (attempts, backoff) if it is still the same entry. */
  async replaceHead<T>(key: string, entry: Entry<T>): Promise<boolean> {
    return (await this.redis.eval(SET_HEAD, 1, this.k("mailbox", key), entry.id, encode(entry))) === 1;
  }

  async length(key: string): Promise<number> {
    return this.redis.llen(this.k("mailbox", key));
  }

  /** Keys whose mailbox holds entries (for the sweep that rings their doorbell again). */
  async busyKeys(): Promise<string[]> {
    return this.redis.smembers(this.k("mailboxes"));
  }

  async lock(key: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.set(this.k("lock", key), token, "PX", ms, "NX")) === "OK";
  }

  async renew(key: string, token: string, ms: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.k("lock", key), token, ms)) === 1;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.k("lock", key), token);
  }

  /** Milliseconds the lock still has (-2 when free). */
  async lockTtl(key: string): Promise<number> {
    return this.redis.pttl(this.k("lock", key));
  }

  /** True when `token` holds (or now took) one of the installation's `limit` slots for `ms`. */
  async takeSlot(installationId: number, token: string, limit: number, ms: number): Promise<boolean> {
    const key = this.k("running", String(installationId));
    return (await this.redis.eval(TAKE_SLOT, 1, key, token, limit, ms)) === 1;
  }

  async releaseSlot(installationId: number, token: string): Promise<void> {
    await this.redis.zrem(this.k("running", String(installationId)), token);
  }

  /** 0 when the installation may start a job now, else the milliseconds to wait. */
  async takeRate(installationId: number, perMinute: number): Promise<number> {
    return Number(
      await this.redis.eval(TAKE_RATE, 1, this.k("rate", String(installationId)), perMinute, 60_000),
    );
  }
}
