// Personal data in log text: e-mail addresses (also URL-encoded), IP addresses, Luhn-checked card numbers and
// phone numbers. Versions, OIDs, MAC addresses and the digits of ids stay.

import { isIPv4, isIPv6 } from "node:net";
import { sub, type Rule } from "./engine.js";

/** Luhn checksum over a string of digits (other characters ignored). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    let d = c;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;
const URL_ENCODED_EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._+-]{1,64}%40(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/gi;
const IPV6_CANDIDATE = /(?<![A-Za-z0-9_:.])[0-9A-Fa-f:.]{2,45}(?![A-Za-z0-9_:]|\.[A-Za-z0-9])/g;
// Not after a browser's product token: `Chrome/120.0.0.0` in a User-Agent is a version.
const IPV4_CANDIDATE =
  /(?<![A-Za-z0-9_.]|(?:Chrome|Chromium|CriOS|Edg|Edge|Firefox|FxiOS|OPR|Safari|Version|AppleWebKit)\/)\d{1,3}(?:\.\d{1,3}){3}(?![A-Za-z0-9_]|\.\d)/g;
const CARD_CANDIDATE = /(?<![A-Za-z0-9_.+/-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_E164 = /(?<![A-Za-z0-9_+])\+[1-9]\d{6,14}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_INTL =
  /(?<![A-Za-z0-9_+])\+[1-9]\d{0,3}[ .-]\(?\d{1,4}\)?(?:[ .-]\d{2,8}){1,4}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_NANP =
  /(?<![A-Za-z0-9_.+/-])(?:1[ .-])?(?:\([2-9]\d{2}\) ?\d{3}[ .-]|[2-9]\d{2}([.-])\d{3}\1)\d{4}(?![A-Za-z0-9_]|[.-]\d)/g;
const PHONE_TRUNK = /(?<![A-Za-z0-9_.+/:-])0\d{1,4}([ -])\d{2,8}(?:\1\d{2,8}){0,3}(?![A-Za-z0-9_]|[.:-]\d)/g;

// Issuer prefixes and lengths of card numbers (Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay,
// Maestro): a long id that happens to pass Luhn (one in ten do) is rarely also a valid card number.
const CARD_ISSUER =
  /^(?:4\d{12}(?:\d{3}){0,2}|(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)\d{12}|3[47]\d{13}|3(?:0[0-5]|[68]\d)\d{11}|(?:6011|65\d{2}|64[4-9]\d|62\d{2}|35(?:2[89]|[3-8]\d))\d{12,15}|(?:5018|5020|5038|6304|6759|676[1-3])\d{8,15})$/;

/** The name of the key whose value starts at `index`, as in `trace_id=…` or `"phone": "…"`, if any. */
function keyBefore(text: string, index: number): string | undefined {
  return /([A-Za-z][\w.-]{0,63})["']?\s*[:=]\s*["']?$/.exec(text.slice(Math.max(0, index - 80), index))?.[1];
}

// Keys whose number is an id or a count, never a card or a phone number.
const NUMBER_ID_KEY =
  /(?:^|[_.-])(?:ids?|no|num|number|seq|count|port|pid|uid|gid)$|[a-z]Ids?$|ID$|account|trace|span|snowflake/i;
const PHONE_KEY = /phone|tel|mobile|cell|fax|msisdn|contact|sms/i;

function cardNumberValid(candidate: string): boolean {
  const digits = candidate.replace(/[ -]/g, "");
  if (!CARD_ISSUER.test(digits)) return false;
  const separators = candidate.replace(/\d/g, "");
  if (separators !== "") {
    if (new Set(separators).size !== 1) return false;
    const groups = candidate.split(/[ -]/).map((g) => g.length);
    const fours = groups.slice(0, -1).every((n) => n === 4) && groups[groups.length - 1] <= 4;
    const amex = groups.join(",") === "4,6,5" || groups.join(",") === "4,6,4";
    if (!fours && !amex) return false;
  }
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

const countDigits = (s: string): number => s.replace(/\D/g, "").length;

/** False when the number is the value of a key that names an id or a count rather than a phone. */
function phoneContext(text: string, index: number): boolean {
  const key = keyBefore(text, index);
  return !key || PHONE_KEY.test(key) || !NUMBER_ID_KEY.test(key);
}

export function emailRules(): Rule[] {
  return [
    { hint: /@/, apply: (text, ctx) => sub(text, EMAIL, () => ctx.hide("email", "ours:email")) },
    {
      hint: /%40/i,
      apply: (text, ctx) => sub(text, URL_ENCODED_EMAIL, () => ctx.hide("email", "ours:email")),
    },
  ];
}

export function networkAndNumberRules(): Rule[] {
  return [
    {
      hint: /:[0-9A-Fa-f:]/,
      apply: (text, ctx) =>
        sub(text, IPV6_CANDIDATE, (m) => {
          const candidate = m[0].endsWith(".") ? m[0].slice(0, -1) : m[0];
          if (!/\d/.test(candidate) || !/:.*:/.test(candidate) || !isIPv6(candidate)) return undefined;
          return ctx.hide("ipv6", "ours:ip-address") + m[0].slice(candidate.length);
        }),
    },
    {
      hint: /\d\.\d/,
      apply: (text, ctx) =>
        // 0.0.0.0 (a bind address) identifies nobody.
        sub(text, IPV4_CANDIDATE, (m) =>
          isIPv4(m[0]) && m[0] !== "0.0.0.0" ? ctx.hide("ipv4", "ours:ip-address") : undefined,
        ),
    },
    {
      hint: /\d{4}/,
      apply: (text, ctx) =>
        sub(text, CARD_CANDIDATE, (m) => {
          const key = keyBefore(text, m.index);
          if (key && NUMBER_ID_KEY.test(key)) return undefined;
          return cardNumberValid(m[0]) ? ctx.hide("card-number", "ours:card-number") : undefined;
        }),
    },
    {
      hint: /\+[1-9]/,
      apply: (text, ctx) => {
        const intl = sub(text, PHONE_INTL, (m) => {
          const n = countDigits(m[0]);
          return n >= 8 && n <= 15 && phoneContext(text, m.index)
            ? ctx.hide("phone", "ours:phone")
            : undefined;
        });
        return sub(intl, PHONE_E164, (m) =>
          phoneContext(intl, m.index) ? ctx.hide("phone", "ours:phone") : undefined,
        );
      },
    },
    {
      hint: /\d{3}[ .-]\d{4}/,
      apply: (text, ctx) =>
        sub(text, PHONE_NANP, (m) =>
          phoneContext(text, m.index) ? ctx.hide("phone", "ours:phone") : undefined,
        ),
    },
    {
      hint: /0\d{1,4}[ -]\d/,
      apply: (text, ctx) =>
        sub(text, PHONE_TRUNK, (m) => {
          const n = countDigits(m[0]);
          return n >= 9 && n <= 12 && !m[0].startsWith("00") && phoneContext(text, m.index)
            ? ctx.hide("phone", "ours:phone")
            : undefined;
        }),
    },
  ];
}
