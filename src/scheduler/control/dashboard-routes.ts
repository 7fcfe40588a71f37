import { readdir, readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";

/** Content types of the dashboard's files (in `dashboard/` beside this module; `npm run build` copies them). */
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Reads the dashboard's files once (they are small): `index.html` and its modules and styles. */
async function loadAssets(): Promise<Map<string, { type: string; body: string }>> {
  const dir = new URL("./dashboard/", import.meta.url);
  const out = new Map<string, { type: string; body: string }>();
  for (const name of await readdir(dir)) {
    const type = TYPES[name.slice(name.lastIndexOf("."))];
    if (type !== undefined) out.set(name, { type, body: await readFile(new URL(name, dir), "utf8") });
  }
  return out;
}

/**
 * Serves the web dashboard: `GET /` (the page) and `GET /dashboard/<file>` for its ES modules and
 * its stylesheet.
 * Everything is served from the package: the page loads nothing from outside the control plane.
 */
export async function registerDashboardRoutes(app: FastifyInstance): Promise<void> {
  const assets = await loadAssets();
  const headers = {
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
    "content-security-policy":
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  };
  const send = (name: string) => {
    const a = assets.get(name)!;
    return { type: a.type, body: a.body };
  };
  app.get("/", async (_req, reply) => {
    const a = send("index.html");
    return reply.headers(headers).type(a.type).send(a.body);
  });
  for (const name of assets.keys()) {
    if (name === "index.html") continue;
    app.get(`/dashboard/${name}`, async (_req, reply) => {
      const a = send(name);
      return reply.headers(headers).type(a.type).send(a.body);
    });
  }
}
