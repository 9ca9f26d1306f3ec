import { OptionError } from '@tikhonov/core';

/** Where the Redis server is: a `redis://[:password@]host:port[/db]` URL or its parts. */
export type RedisConnection = string | { host?: string; port?: number; password?: string; db?: number };

/** The ioredis options of a {@link RedisConnection}; BullMQ needs `maxRetriesPerRequest: null` so blocked commands wait out a reconnect. */
export function redisOptions(connection: RedisConnection, where: string): { host: string; port: number; password?: string; db?: number; maxRetriesPerRequest: null } {
  if (typeof connection === 'string') {
    let url: URL;
    try {
      url = new URL(connection);
    } catch {
      throw new OptionError(where, 'connection', connection, 'must be a redis://host:port URL or { host, port }');
    }
    if (url.protocol !== 'redis:') throw new OptionError(where, 'connection', connection, 'must be a redis:// URL (rediss:// and sockets: pass { host, port } and your own TLS setup)');
    const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : undefined;
    if (db !== undefined && !Number.isInteger(db)) throw new OptionError(where, 'connection', connection, 'must end in /<database number> if it has a path');
    return { host: url.hostname || '127.0.0.1', port: url.port ? Number(url.port) : 6379, ...(url.password ? { password: decodeURIComponent(url.password) } : {}), ...(db !== undefined ? { db } : {}), maxRetriesPerRequest: null };
  }
  if (connection === null || typeof connection !== 'object') throw new OptionError(where, 'connection', connection, 'must be a redis://host:port URL or { host, port }');
  const { host = '127.0.0.1', port = 6379, password, db } = connection;
  if (!(Number.isInteger(port) && port > 0 && port < 65536)) throw new OptionError(where, 'connection.port', port, 'must be a TCP port (1–65535)');
  return { host, port, ...(password !== undefined ? { password } : {}), ...(db !== undefined ? { db } : {}), maxRetriesPerRequest: null };
}

/** `host:port` for messages. */
export const describeRedis = (o: { host: string; port: number }): string => `${o.host}:${o.port}`;
