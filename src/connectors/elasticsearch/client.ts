import { Client } from "@elastic/elasticsearch";
import { ConfigError } from "../../errors.js";
import { statusOf, wrapEsError } from "./errors.js";

/**
 * How an Elasticsearch connector reaches the cluster: a node URL (or several), or a client of
 * `@elastic/elasticsearch` 8 you created (yours to close; point it at a test server, add auth).
 */
export type ElasticsearchConnection = string | string[] | Client;

/** A client and what the connector needs to know about it. @internal */
export interface EsClient {
  readonly client: Client;
  readonly owned: boolean;
  /** The node URL(s) for messages. */
  readonly node: string;
}

/**
 * Creates (or adopts) the client. A created client does not retry by itself (`maxRetries: 0`):
 * the connector's own retry policy (429/503 with backoff) is the only one.
 * @throws ConfigError when `connection` is missing or of the wrong type.
 * @internal
 */
export function openEsClient(path: string, connection: unknown): EsClient {
  if (connection instanceof Client) {
    const urls = connection.connectionPool.connections.map((c) => c.url.origin);
    return { client: connection, owned: false, node: urls.join(", ") || "the client's nodes" };
  }
  const nodes = typeof connection === "string" ? [connection] : connection;
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((n) => typeof n !== "string")) {
    throw new ConfigError(
      `${path}.node is required: a node URL ("http://127.0.0.1:9200"), a list of them, or an @elastic/elasticsearch Client`,
      { option: `${path}.node` },
    );
  }
  const client = new Client({ nodes: nodes as string[], maxRetries: 0, requestTimeout: 60_000 });
  return { client, owned: true, node: (nodes as string[]).join(", ") };
}

/**
 * Checks the cluster answers (`_cluster/health`: `GET /` is refused by some distributions).
 * Any HTTP answer counts (a user without the monitor privilege gets 403: the cluster is there).
 * @throws ElasticsearchError (retriable) naming the node and what to check when nothing answers.
 * @internal
 */
export async function probe(es: EsClient, signal?: AbortSignal): Promise<void> {
  try {
    await es.client.cluster.health({ timeout: "5s" }, { signal });
  } catch (err) {
    if (statusOf(err) !== undefined) return;
    throw wrapEsError("cannot reach the cluster", err, { node: es.node, retriable: true });
  }
}

/** Closes the client if the connector created it. @internal */
export async function closeEsClient(es: EsClient | undefined): Promise<void> {
  if (es?.owned) await es.client.close().catch(() => {});
}
