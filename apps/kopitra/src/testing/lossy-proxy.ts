import net from 'node:net';

/**
 * A real TCP proxy that forwards every request to the gateway but, for the chosen requests,
 * cuts the client's connection as the answer comes back: the gateway committed, the client never
 * saw the acknowledgement and must retry. Exactly the failure idempotency keys exist for.
 */
export async function startLossyProxy(target: URL, dropResponse: (n: number) => boolean): Promise<{ url: string; dropped: () => number; close(): Promise<void> }> {
  let count = 0;
  let dropped = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    client.on('data', (d) => {
      // One request per client write burst: count requests by their first line.
      if (/^(GET|POST) /.test(d.toString('latin1', 0, 5))) count++;
      upstream.write(d);
    });
    const n = () => count;
    upstream.on('data', (d) => {
      if (dropResponse(n())) {
        dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dropped: () => dropped,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
