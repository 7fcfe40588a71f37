import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";

/** The dashboard's files, beside this module (copied next to the compiled module by `npm run build`). */
const ASSETS: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** Reads the dashboard's files once (they are small). */
async function loadAssets(): Promise<Map<string, { type: string; body: string }>> {
  const dir = new URL("./dashboard/", import.meta.url);
  const out = new Map<string, { type: string; body: string }>();
  for (const [name, type] of Object.entries(ASSETS)) {
    out.set(name, { type, body: await readFile(new URL(name, dir), "utf8") });
  }
  return out;
}

/**
 * Serves the web dashboard: `GET /` (the page) and `GET /dashboard/app.js`, `/dashboard/app.css`.
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
  for (const name of ["app.js", "app.css"]) {
    app.get(`/dashboard/${name}`, async (_req, reply) => {
      const a = send(name);
      return reply.headers(headers).type(a.type).send(a.body);
    });
  }
}
