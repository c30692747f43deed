/**
 * A Redis URL for messages: its password replaced by ***. Pure and light (the CLI's option data imports it). A URL
 * that parses with a password has that field replaced; any other with an "@" loses everything between its scheme
 * and the last "@" (a password may itself hold "@", ":" or "/", and a URL that does not parse may still hold one).
 */
export function redact(url: string): string {
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    // not a URL: the fallback below
  }
  if (u !== null && u.password !== '') {
    u.password = '***';
    return u.toString();
  }
  if (!url.includes('@')) return url;
  return url.replace(/^([^\s:/]*:\/*)[^]*@/, '$1***@');
}
