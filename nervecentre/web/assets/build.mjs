// Bundle the chart's npm libraries into nervecentre/web/static/vendor/ (git-ignored) with their
// licence texts, for the app to serve. Run by `npm run build` after `npm ci` (make setup).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "vendor");
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(here, "entry.mjs")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome100", "firefox100"],
  legalComments: "none",
  outfile: join(out, "chart-libs.js"),
});

// MIT asks that the notices travel with the code: one file beside the bundle.
const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
const shipped = Object.keys(pkg.devDependencies).filter((name) => name !== "esbuild");
const notices = shipped.map((name) => {
  const dir = join(here, "node_modules", name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  let text = "";
  for (const file of ["LICENSE", "LICENSE.txt", "LICENSE.md", "license"]) {
    try { text = readFileSync(join(dir, file), "utf8"); break; } catch { /* next */ }
  }
  return `${meta.name} ${meta.version} (${meta.license})\n\n${text || meta.license}\n`;
});
writeFileSync(join(out, "chart-libs.LICENSES.txt"), notices.join("\n" + "-".repeat(72) + "\n\n"));
writeFileSync(join(out, "chart-libs.json"), JSON.stringify(
  Object.fromEntries(shipped.map((n) => [n, pkg.devDependencies[n]])), null, 2) + "\n");
console.log(`chart libraries bundled into ${out}`);
