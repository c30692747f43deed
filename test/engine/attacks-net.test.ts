/**
 * Network attacks on the real kernel, through the public API. The test itself listens (TCP and UDP on
 * loopback, a pathname unix socket, an abstract unix socket) and records anything that arrives; each fixture
 * (fixtures/hostile/net_*.c) tries to reach one of them. Every attack is first run WITHOUT the sandbox as the
 * positive control: the listener must see it, so a denial in the sandbox is known to come from the sandbox.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExecutable, shutdown } from '../../dist/engine/index.js';
import { compile, eventually, expectDenied, expectSucceeded, runFree, scratch, type Scratch } from './helpers.js';

let s: Scratch;
let bin: Record<string, string>;
const seen = { tcp: [] as string[], udp: [] as string[], unix: [] as string[], abstract: [] as string[] };
let tcpServer: net.Server;
let unixServer: net.Server;
let abstractServer: net.Server;
let udp: dgram.Socket;
let tcpPort: number;
let udpPort: number;
let unixPath: string;
let abstractName: string;

function recorder(into: string[]): net.Server {
  return net.createServer((c) => {
    into.push('connection');
    c.on('data', (d) => into.push(d.toString()));
    c.on('error', () => undefined);
  });
}

function listen(server: net.Server, where: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => resolve());
  });
}

beforeAll(async () => {
  s = scratch('net');
  bin = await compile(s, ['hostile/net_tcp_connect', 'hostile/net_udp_sendto', 'hostile/net_unix_connect',
    'hostile/net_abstract_connect']);
  tcpServer = recorder(seen.tcp);
  await listen(tcpServer, { host: '127.0.0.1', port: 0 });
  tcpPort = (tcpServer.address() as net.AddressInfo).port;
  udp = dgram.createSocket('udp4');
  udp.on('message', (m) => seen.udp.push(m.toString()));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', () => resolve()));
  udpPort = udp.address().port;
  unixPath = path.join(s.dir('sock', { writable: true }), 'listener.sock');
  unixServer = recorder(seen.unix);
  await listen(unixServer, { path: unixPath });
  fs.chmodSync(unixPath, 0o777); // connecting needs write permission on the socket file: only the sandbox may refuse
  abstractName = `cp-sandbox-engine-test-${process.pid}-${Date.now()}`;
  abstractServer = recorder(seen.abstract);
  await listen(abstractServer, { path: `\0${abstractName}` });
});

afterAll(async () => {
  await shutdown();
  tcpServer?.close();
  unixServer?.close();
  abstractServer?.close();
  udp?.close();
  s?.remove();
});

/** Waits for all of a control's traffic (its payload, not just the connection), then empties the record. */
async function controlArrived(into: string[]): Promise<void> {
  expect(await eventually(() => into.some((x) => x.includes('escaped')))).toBe(true);
  into.splice(0);
}

/** Gives a (wrongly) successful attack time to arrive, then checks that nothing did. */
async function nothingArrived(into: string[]): Promise<void> {
  await new Promise((r) => setTimeout(r, 100));
  expect(into).toEqual([]);
}

describe('network attacks', () => {
  it('TCP connect to a loopback port: works unsandboxed, denied in the sandbox (seccomp socket(), Landlock CONNECT_TCP)', async () => {
    const free = runFree(bin.net_tcp_connect!, [String(tcpPort)]);
    expectSucceeded(free.stdout, 'connect(127.0.0.1)');
    await controlArrived(seen.tcp);

    const r = await runExecutable(bin.net_tcp_connect!, [String(tcpPort)]);
    expectDenied(r, 'socket(AF_INET,SOCK_STREAM)', 'EPERM');
    await nothingArrived(seen.tcp);
  });

  it('UDP sendto a loopback port: works unsandboxed, denied in the sandbox (seccomp socket(); Landlock has no UDP right)', async () => {
    const free = runFree(bin.net_udp_sendto!, [String(udpPort)]);
    expectSucceeded(free.stdout, 'sendto(127.0.0.1)');
    await controlArrived(seen.udp);

    const r = await runExecutable(bin.net_udp_sendto!, [String(udpPort)]);
    expectDenied(r, 'socket(AF_INET,SOCK_DGRAM)', 'EPERM');
    await nothingArrived(seen.udp);
  });

  it('pathname unix socket the test listens on: works unsandboxed, denied in the sandbox (seccomp socket(); Landlock does not cover connect)', async () => {
    const free = runFree(bin.net_unix_connect!, [unixPath]);
    expectSucceeded(free.stdout, 'connect(unix path)');
    await controlArrived(seen.unix);

    const r = await runExecutable(bin.net_unix_connect!, [unixPath]);
    expectDenied(r, 'socket(AF_UNIX,SOCK_STREAM)', 'EPERM');
    await nothingArrived(seen.unix);
  });

  it('abstract unix socket: works unsandboxed, denied in the sandbox (seccomp socket(), Landlock ABSTRACT_UNIX_SOCKET scope)', async () => {
    const free = runFree(bin.net_abstract_connect!, [abstractName]);
    expectSucceeded(free.stdout, 'connect(abstract)');
    await controlArrived(seen.abstract);

    const r = await runExecutable(bin.net_abstract_connect!, [abstractName]);
    expectDenied(r, 'socket(AF_UNIX,SOCK_STREAM)', 'EPERM');
    await nothingArrived(seen.abstract);
  });

  it('restrictive default (original runner): with no config at all the network fails', async () => {
    // The same attack as above with every option left at its default, as the Python runner's test did.
    const r = await runExecutable(bin.net_tcp_connect!, [String(tcpPort)], {});
    expect(r.status).toBe('OK');
    expect(r.stdout.toString()).toMatch(/^socket\(AF_INET,SOCK_STREAM\): -1 EPERM$|^connect\(127\.0\.0\.1\): -1 EACCES$/m);
    await nothingArrived(seen.tcp);
  });
});
