// The independent xDS client of Mesh.Server's tests: Google's @grpc/grpc-js-xds.
// Reads one JSON command per line on stdin, writes one JSON result per line on stdout:
//   {"id":1,"target":"xds:///echo:50051","count":20,"metadata":{"end-user":"jason"},"deadlineMs":2000}
//   -> {"id":1,"backends":{"v1":20},"errors":{}}
// Channels are kept per target for the process's life, so xDS updates reach the same client.
// The bootstrap comes from GRPC_XDS_BOOTSTRAP; the echo proto from ECHO_PROTO; XDS_CREDENTIALS=1 turns on xDS credentials.
'use strict';

const path = require('path');
const readline = require('readline');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const xds = require('@grpc/grpc-js-xds');
xds.register();

// XDS_CREDENTIALS=1: xDS channel credentials (gRFC A29), so the TLS a cluster carries is used; plaintext where it carries none.
const credentials = process.env.XDS_CREDENTIALS === '1'
  ? new xds.XdsChannelCredentials(grpc.credentials.createInsecure())
  : grpc.credentials.createInsecure();

const protoPath = process.env.ECHO_PROTO || path.join(__dirname, '..', 'Mesh.Server.Tests', 'Protos', 'echo.proto');
const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: false }));
const Echo = definition.mesh.test.Echo;
const clients = new Map();

function clientFor(target) {
  let client = clients.get(target);
  if (!client) {
    client = new Echo(target, credentials);
    clients.set(target, client);
  }
  return client;
}

function call(client, metadataObject, deadlineMs) {
  return new Promise((resolve) => {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(metadataObject || {})) {
      metadata.add(key, value);
    }
    const deadline = new Date(Date.now() + (deadlineMs || 2000));
    client.say({ message: 'hi' }, metadata, { deadline }, (error, reply) => {
      if (error) {
        resolve({ error: grpc.status[error.code] || String(error.code), details: error.details });
      } else {
        resolve({ backend: reply.backend });
      }
    });
  });
}

async function run(command) {
  const client = clientFor(command.target);
  const backends = {};
  const errors = {};
  let lastError = '';
  for (let i = 0; i < (command.count || 1); i++) {
    const result = await call(client, command.metadata, command.deadlineMs);
    if (result.backend !== undefined) {
      backends[result.backend] = (backends[result.backend] || 0) + 1;
    } else {
      errors[result.error] = (errors[result.error] || 0) + 1;
      lastError = result.details;
    }
  }
  return { id: command.id, backends, errors, lastError };
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) {
    return;
  }
  queue = queue.then(async () => {
    let command;
    try {
      command = JSON.parse(line);
    } catch (e) {
      process.stdout.write(JSON.stringify({ error: 'bad command: ' + e.message }) + '\n');
      return;
    }
    const result = await run(command);
    process.stdout.write(JSON.stringify(result) + '\n');
  });
});
lines.on('close', () => {
  queue.then(() => {
    for (const client of clients.values()) {
      client.close();
    }
    process.exit(0);
  });
});
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
