// Credentials in connection strings and command lines: `scheme://user:pass@host` (any characters in the
// password), `user:pass@tcp(host)/db`, `scott/tiger@db`, `curl -u user:pass`, `mysql -pS3cret`, `sshpass -p x`,
// `redis-cli -a x`, `smbclient -U user%pass`, …

import { type Context, OPEN, onlyHidden, sub, type Rule, VARIABLE_REFERENCE } from "./engine.js";

const isReference = (s: string): boolean => VARIABLE_REFERENCE.test(s) || s.startsWith(OPEN) || onlyHidden(s);

// scheme://user:password@host — the password may hold `@ ! $ # ? /`: it runs to the last `@` of the word.
const URL_CREDENTIALS =
  /(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s:/?#"'<>[\]]{0,256}):([^\s"'<>]{1,256})@/g;
// `host:8443/path/user@example.com` is a port and a path, not a password.
const PORT_AND_PATH = /^\d{1,5}(?:[/?#]|$)/;

// Go's MySQL driver: `user:pass@tcp(host:3306)/db`; Oracle: `jdbc:oracle:thin:scott/tiger@//host:1521/svc`.
const GO_MYSQL_DSN = /(?<![A-Za-z0-9_.:/@%+-])([A-Za-z0-9_.$%+-]{1,64}):(\S{1,256}?)@(?=(?:tcp|unix|udp)\()/g;
const ORACLE_THIN = /(jdbc:oracle:thin:[A-Za-z0-9_$#]{1,64}\/)([^\s@]{1,256})@/gi;
// `user:pass@host` without a scheme (`--proxy bob:s3cret@proxy.corp:3128`), but not `email:bob@example.com`.
const BARE_USERINFO =
  /(?<![A-Za-z0-9_.:/@%+-])([A-Za-z][A-Za-z0-9_.%+-]{0,63}):([^\s:@/"'<>]{1,256})@(?=(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![A-Za-z0-9-])|localhost\b|\[[0-9A-Fa-f:]+\])/g;
const NOT_A_USER =
  /^(?:e?mail|from|to|cc|bcc|reply-to|sender|recipient|contact|owner|author|user|login|by|for|at)$/i;

export function connectionStringRules(): Rule[] {
  return [
    {
      hint: /:\/\//,
      apply: (text, ctx) =>
        sub(text, URL_CREDENTIALS, (m) => {
          if (isReference(m[3]) || (m[2] !== "" && PORT_AND_PATH.test(m[3]))) return undefined;
          return `${m[1]}${m[2]}:${ctx.hide("password", "ours:url-credentials")}@`;
        }),
    },
    {
      hint: /@(?:tcp|unix|udp)\(/,
      apply: (text, ctx) =>
        sub(text, GO_MYSQL_DSN, (m) =>
          isReference(m[2]) ? undefined : `${m[1]}:${ctx.hide("password", "ours:dsn-credentials")}@`,
        ),
    },
    {
      hint: /oracle:thin/i,
      apply: (text, ctx) =>
        sub(text, ORACLE_THIN, (m) =>
          isReference(m[2]) ? undefined : `${m[1]}${ctx.hide("password", "ours:dsn-credentials")}@`,
        ),
    },
    {
      hint: /@/,
      apply: (text, ctx) =>
        sub(text, BARE_USERINFO, (m) =>
          NOT_A_USER.test(m[1]) || isReference(m[2]) || /^\d{1,5}$/.test(m[2])
            ? undefined
            : `${m[1]}:${ctx.hide("password", "ours:dsn-credentials")}@`,
        ),
    },
  ];
}

// A value on a command line: "double", 'single' or a bare word.
const ARG = `("(?:[^"\\\\\\n]|\\\\.){1,1024}"|'[^'\\n]{1,1024}'|[^\\s"'][^\\s]{0,1023})`;

interface CommandForm {
  /** The command, as a word on the line before the flag. */
  command: RegExp;
  /** The flag and its value (group 1); for `pair` forms, group 1 is the user and group 2 the password. */
  flag: RegExp;
  /** The value is `user<split>password`: only the password goes (or the user alone when it is a token). */
  split?: ":" | "%";
  pair?: boolean;
}

const flag = (source: string): RegExp => new RegExp(`(?<=\\s)${source}`, "g");

const COMMAND_FORMS: CommandForm[] = [
  { command: /\bcurl\b/, flag: flag(`(?:-[uU][ \\t]*|--(?:proxy-)?user(?:=|[ \\t]+))${ARG}`), split: ":" },
  {
    command:
      /\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck|mysqlsh|mariadb(?:-dump|-admin)?)\b/,
    flag: flag(`-p${ARG}`),
  },
  { command: /\bsshpass\b/, flag: flag(`-p[ \\t]*${ARG}`) },
  {
    command: /\b(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane)\b[^\n]{0,200}?\blogin\b/,
    flag: flag(`-p[ \\t]+${ARG}`),
  },
  { command: /\bredis-cli\b/, flag: flag(`-a[ \\t]+${ARG}`) },
  { command: /\bldap[a-z]*\b/, flag: flag(`-w[ \\t]+${ARG}`) },
  { command: /\b(?:sqlcmd|bcp|osql)\b/, flag: flag(`-P[ \\t]*${ARG}`) },
  { command: /\bmongo(?:sh|dump|restore|export|import|stat|top)?\b/, flag: flag(`-p[ \\t]+${ARG}`) },
  {
    command: /\b(?:smbclient|rpcclient|smbmap|smbcacls)\b/,
    flag: flag(`(?:-U|--user)(?:=|[ \\t]+)${ARG}`),
    split: "%",
  },
  { command: /\bopenssl\b/, flag: flag(`(?:-pass(?:in|out)?[ \\t]+pass:|-k[ \\t]+)${ARG}`) },
  { command: /\bhtpasswd\b/, flag: flag(`-[a-zA-Z]*b[a-zA-Z]*[ \\t]+\\S+[ \\t]+\\S+[ \\t]+${ARG}`) },
  { command: /\bsqlplus\b/, flag: flag(`([A-Za-z0-9_$#]{1,64})\\/([^\\s@/]{1,256})(?=@|\\s|$)`), pair: true },
];

const unquote = (s: string): string =>
  (s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")) ? s.slice(1, -1) : s;

/** The replacement of a command-line value: the password part of `user:pass` / `user%pass`, or all of it. */
function commandValue(form: CommandForm, raw: string, ctx: Context): string | undefined {
  const quote = raw !== unquote(raw) ? raw[0] : "";
  const value = unquote(raw);
  const hide = (s: string) => ctx.hide("password", "ours:command-line") + s;
  if (isReference(value)) return undefined;
  if (!form.split) return `${quote}${hide("")}${quote}`;
  const sep = value.indexOf(form.split);
  if (sep < 0) return undefined; // only a user name: the tool prompts for the password
  const user = value.slice(0, sep);
  const pass = value.slice(sep + 1);
  if (pass === "")
    return user === "" || isReference(user) ? undefined : `${quote}${hide(value.slice(sep))}${quote}`;
  if (isReference(pass)) return undefined;
  return `${quote}${user}${value[sep]}${hide("")}${quote}`;
}

// Any of the commands above: most texts have none, and skip every form at once.
const ANY_COMMAND = new RegExp(COMMAND_FORMS.map((f) => f.command.source).join("|"));

function applyForm(form: CommandForm, text: string, ctx: Context): string {
  const at = form.command.exec(text);
  if (!at) return text;
  const head = text.slice(0, at.index + at[0].length);
  const tail = sub(text.slice(head.length), form.flag, (m) => {
    if (form.pair) {
      return isReference(m[2]) ? undefined : `${m[1]}/${ctx.hide("password", "ours:command-line")}`;
    }
    const raw = m[1];
    const replacement = commandValue(form, raw, ctx);
    return replacement === undefined ? undefined : m[0].slice(0, m[0].length - raw.length) + replacement;
  });
  return head + tail;
}

export function commandLineRule(): Rule {
  return {
    hint: ANY_COMMAND,
    apply: (text, ctx) => COMMAND_FORMS.reduce((t, form) => applyForm(form, t, ctx), text),
  };
}
