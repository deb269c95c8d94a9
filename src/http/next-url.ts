/**
 * Validate a `next` redirect target so that it only ever leads inside this hub
 * (JupyterHub's open-redirect advisories CVE-2019-10255 and CVE-2026-33709 are the test cases).
 * Returns a path (+query+fragment) starting with exactly one '/', or '' when `next` is unsafe.
 */
export function safeNextUrl(
  next: string | undefined | null,
  host: string | undefined,
  baseUrl = '/',
): string {
  if (!next || typeof next !== 'string') return '';
  // Browsers treat '\' like '/', so '/\evil.com' would become '//evil.com'.
  let url = next.replace(/\\/g, '%5C');
  if (/[\u0000-\u001f\u007f]/.test(url)) return '';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url) || url.startsWith('//')) {
    let parsed: URL;
    try {
      parsed = new URL(url.startsWith('//') ? 'http:' + url : url);
    } catch {
      return '';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return '';
    if (!host || parsed.host.toLowerCase() !== host.toLowerCase()) return '';
    // Same host: keep only path+query+fragment, collapsing leading slashes so that
    // 'HOST//other.domain/' cannot become a protocol-relative URL.
    url = parsed.pathname.replace(/^\/+/, '/') + parsed.search + parsed.hash;
  }
  if (!url.startsWith('/')) return '';
  url = url.replace(/^\/+/, '/');
  if (baseUrl !== '/' && !(url + '/').startsWith(baseUrl)) return '';
  return url;
}
