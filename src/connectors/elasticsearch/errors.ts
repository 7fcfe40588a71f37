import { ConnectorError, type MassErrorOptions } from "../../errors.js";

/** Options of an {@link ElasticsearchError}. */
export interface ElasticsearchErrorOptions extends MassErrorOptions {
  /** The index concerned, where known. */
  index?: string;
  /** The document id, for a per-document failure. */
  id?: string;
  /** HTTP status of the request or of the bulk item (400, 409, 429, ...). */
  status?: number;
  /** Elasticsearch's error type, e.g. `"document_parsing_exception"`. */
  type?: string;
  /** Elasticsearch's error reason. */
  reason?: string;
}

/**
 * An error of the Elasticsearch connector (`mass-stream/connectors/elasticsearch`): a
 * {@link ConnectorError} with the index, document id, HTTP status and Elasticsearch's own error
 * type and reason. A dead letter for a document the index refused carries one of these
 * (`status: 400, type: "document_parsing_exception"`; `status: 409, type: "version_conflict_engine_exception"`).
 */
export class ElasticsearchError extends ConnectorError {
  readonly index?: string;
  readonly id?: string;
  readonly status?: number;
  readonly type?: string;
  readonly reason?: string;

  constructor(message: string, options: ElasticsearchErrorOptions = {}) {
    super(message, { connector: "elasticsearch", ...options });
    if (options.index !== undefined) this.index = options.index;
    if (options.id !== undefined) this.id = options.id;
    if (options.status !== undefined) this.status = options.status;
    if (options.type !== undefined) this.type = options.type;
    if (options.reason !== undefined) this.reason = options.reason;
  }
}

interface ClientErrorShape {
  name?: string;
  message?: string;
  meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } | string } };
}

/** HTTP status of a client error (`ResponseError`), if any. @internal */
export function statusOf(err: unknown): number | undefined {
  return (err as ClientErrorShape)?.meta?.statusCode;
}

/** The client could not reach the node (no HTTP answer). @internal */
export function isConnectionError(err: unknown): boolean {
  const name = (err as ClientErrorShape)?.name;
  return name === "ConnectionError" || name === "TimeoutError" || name === "NoLivingConnectionsError";
}

/**
 * Wraps a client error into an {@link ElasticsearchError} saying what failed, with the node and
 * what to check when it could not be reached, or Elasticsearch's error type and reason.
 * @internal
 */
export function wrapEsError(
  what: string,
  err: unknown,
  ctx: { node: string; index?: string; retriable?: boolean },
): ElasticsearchError {
  if (err instanceof ElasticsearchError) return err;
  const e = err as ClientErrorShape;
  const status = statusOf(err);
  const body = e?.meta?.body?.error;
  const type = typeof body === "object" ? body?.type : undefined;
  const reason = typeof body === "object" ? body?.reason : typeof body === "string" ? body : undefined;
  const conn = isConnectionError(err);
  const detail = conn
    ? `${e?.message ?? String(err)}; check that Elasticsearch is running on ${ctx.node} and that the node URL is right`
    : type !== undefined
      ? `${status} ${type}: ${reason}`
      : (e?.message ?? String(err));
  return new ElasticsearchError(`elasticsearch: ${what} on ${ctx.node}: ${detail}`, {
    cause: err,
    retriable: ctx.retriable ?? (conn || status === 429 || status === 503),
    ...(ctx.index === undefined ? {} : { index: ctx.index }),
    ...(status === undefined ? {} : { status }),
    ...(type === undefined ? {} : { type }),
    ...(reason === undefined ? {} : { reason }),
  });
}
