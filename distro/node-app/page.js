// The app's one page (pure: values in, HTML out).
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderPage({ node, started }) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>lupine node-app</title></head>
<body>
<h1>Hello from lupine node-app</h1>
<p>Running on Node.js ${escape(node)}, up since ${escape(started.toISOString())}.</p>
</body>
</html>
`;
}
