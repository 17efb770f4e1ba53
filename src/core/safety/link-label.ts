// Honest link labels: a label that names another site than the link's target is replaced by the real target.
/**
 * Top-level domains a label's bare host name is recognised by: the country codes and the generic ones names in
 * digests use. A word such as `Node.js` is not read as a host (`js` is no TLD); `README.md` is (`md` is Moldova's),
 * which only costs a label shown as its URL — the safe side.
 */
const KNOWN_TLDS = new Set(
  (
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw " +
    "com net org info biz edu gov mil int ai app dev xyz site online tech cloud news blog page top pro wiki " +
    "example test invalid localhost arpa art design shop store live world space link click today email global " +
    "media network systems technology software digital studio group company academy science"
  ).split(" "),
);

/** `https://host…` written in a label. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'｜|()[\]]+/giu;
/** A bare host name (`good.example`, `www.openai.com`, `1.2.3.4`) in a label. */
const HOST_IN_TEXT = /(?<![\p{L}\p{N}_@.-])((?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+[\p{L}]{2,63}|\d{1,3}(?:\.\d{1,3}){3})(?![\p{L}\p{N}_-])/gu;

/** The host a URL points to, lower-case ASCII (punycode) without a leading `www.`; undefined when it does not parse. */
function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === "" ? undefined : host.replace(/^www\./, "").replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

/** Invisible format characters (zero-width space/joiners, soft hyphen, word joiner, bidi marks): not seen by a reader. */
const INVISIBLE = /\p{Cf}/gu;
/** Bidi embeddings, overrides and isolates: they reorder what a reader sees (`\u202Eelpmaxe.doog` reads "good.example"). */
const BIDI_REORDER = /[\u202A-\u202E\u2066-\u2069]/u;
/** An ideographic full stop between a name and an ASCII TLD (`good。example`): browsers read it as a dot. */
const IDEOGRAPHIC_DOT = /(?<=[\p{L}\p{N}])[\u3002\uFF61](?=[A-Za-z]{2,63}(?![\p{L}\p{N}_-]))/gu;

/** Hosts a label names: those of URLs in it and bare host names with a known TLD, as a reader sees them. */
export function hostsNamedIn(label: string): string[] {
  // Full-width dots and letters (`good．example`) read as what they look like; invisible characters are not there.
  const text = label.normalize("NFKC").replace(INVISIBLE, "").replace(IDEOGRAPHIC_DOT, ".");
  const hosts: string[] = [];
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const host = hostOf(m[0]);
    if (host) hosts.push(host);
  }
  const rest = text.replace(URL_IN_TEXT, " ");
  for (const m of rest.matchAll(HOST_IN_TEXT)) {
    const name = m[1]!;
    const tld = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
    const ip = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name);
    // Non-ASCII TLDs (`.中国`) are rare in labels and always count.
    if (!ip && !KNOWN_TLDS.has(tld) && !/[^\x00-\x7f]/.test(tld)) continue;
    const host = hostOf(`http://${name}`);
    if (host) hosts.push(host);
  }
  return hosts;
}

/** True when a label names the target's own site (or a site the target is part of: `github.com` for `gist.github.com`). */
function sameSite(named: string, target: string): boolean {
  return target === named || target.endsWith(`.${named}`);
}

/**
 * The text to show for a link: its label, unless the label is empty or names another host than the one the link
 * opens (`[https://good.example](https://evil.example)`, `[官网 good.example](https://evil.example)`) — then the
 * real target, so a reader sees where it goes. Every renderer shows links through this (stories, link lists,
 * summaries, daily posts, buttons, inline results).
 *
 * @example
 * displayLinkLabel("https://good.example", "https://evil.example/x"); // "https://evil.example/x"
 * displayLinkLabel("Paper on arxiv.org", "https://arxiv.org/abs/1");   // "Paper on arxiv.org"
 */
export function displayLinkLabel(label: string, url: string): string {
  const text = label.trim();
  if (text === "") return url;
  const target = hostOf(url);
  if (!target) return text;
  // Reordered text can spell any host backwards; what it shows cannot be checked, so the target is shown.
  const deceptive = BIDI_REORDER.test(text) || hostsNamedIn(text).some((named) => !sameSite(named, target));
  if (!deceptive) return text;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
