export {
  command,
  freePort,
  RedisCluster,
  RedisServer,
  type RedisServerOptions,
  requireBinary,
} from './redis-server.js';
