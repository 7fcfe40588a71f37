/** Where the control plane is and how to authenticate (`--url`, `--token`, or `MASS_URL`, `MASS_TOKEN`). */
export interface ClientOptions {
  /** Base URL. Default `MASS_URL`, else `http://127.0.0.1:9860`. */
  url?: string;
  /** Bearer token. Default `MASS_TOKEN`. */
  token?: string;
}

/** An answer of the control plane that is not a 2xx, or no answer at all. */
export class ControlClientError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 when the server could not be reached. */
    readonly status: number,
  ) {
    super(message);
    this.name = "ControlClientError";
  }
}

/**
 * A small client of the control plane's HTTP routes (see docs/control-plane.md), used by the
 * `mass status | pause | resume | stop | cancel | rerun | replay` commands.
 */
export class ControlClient {
  readonly url: string;
  private readonly token: string | undefined;

  constructor(options: ClientOptions = {}) {
    this.url = (options.url ?? process.env.MASS_URL ?? "http://127.0.0.1:9860").replace(/\/+$/, "");
    this.token = options.token ?? process.env.MASS_TOKEN;
  }

  /** GET a route; resolves with the parsed JSON. @throws ControlClientError. */
  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /** POST (or DELETE) a route with an optional JSON body. @throws ControlClientError. */
  act<T>(method: "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body ?? (method === "POST" ? {} : undefined));
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined && this.token !== "") headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string } }).cause;
      const cause = c?.code ?? c?.message ?? (err as Error).message;
      throw new ControlClientError(
        `no control plane at ${this.url} (${cause}): start one with scheduler.serve(), or pass --url / MASS_URL`,
        0,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {}
      const hint = res.status === 401 ? " (pass --token or MASS_TOKEN)" : "";
      throw new ControlClientError(`${method} ${path}: ${res.status} ${message}${hint}`, res.status);
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }
}
