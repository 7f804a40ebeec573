/** The one HTML page: no inline script or style, so the strict CSP holds. */
export function indexPage(version: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tether Manager</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css?v=${encodeURIComponent(version)}">
<script type="module" src="/app.js?v=${encodeURIComponent(version)}"></script>
</head>
<body>
<div id="app"><noscript>Tether Manager needs JavaScript.</noscript></div>
</body>
</html>
`;
}

export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#1456cb"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>`;
