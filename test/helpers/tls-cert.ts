/**
 * Throw-away certificates for TLS tests, made at test time with the `openssl`
 * command line into a fresh temp directory:
 *  - a CA, and a server certificate it signed for DNS:localhost, IP:127.0.0.1, IP:::1;
 *  - a certificate from the same CA for another host name only (wrong-host tests);
 *  - a self-signed certificate for localhost/127.0.0.1 (no CA at all).
 * EC P-256 keys keep generation fast (well under a second).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The host name the wrong-host certificate is issued for. */
export const WRONG_HOST = 'wrong.example.test';

export interface TestCertificates {
  /** The temp directory holding every file below (PEM files, for tools that want paths). */
  dir: string;
  /** The test CA certificate: pass as `ca` to trust the server certificates. */
  caPem: string;
  /** Server certificate signed by the CA for localhost, 127.0.0.1 and ::1, and its key. */
  certPem: string;
  keyPem: string;
  /** Certificate signed by the CA for {@link WRONG_HOST} only, and its key. */
  wrongHostCertPem: string;
  wrongHostKeyPem: string;
  /** Self-signed certificate for localhost and 127.0.0.1 (no CA), and its key. */
  selfSignedCertPem: string;
  selfSignedKeyPem: string;
  /** Paths of the same PEM files inside `dir`. */
  files: { ca: string; cert: string; key: string; wrongHostCert: string; wrongHostKey: string; selfSignedCert: string; selfSignedKey: string };
  /** Deletes `dir`. */
  remove(): Promise<void>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('the `openssl` command is missing: install it with `apt-get install -y openssl`', { cause: error });
    }
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: error });
  }
}

/** Issues a leaf certificate for `subjectAltName`, signed by the CA in `dir`. */
async function issue(dir: string, name: string, commonName: string, subjectAltName: string): Promise<void> {
  await openssl(['req', '-new', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`], dir);
  await writeFile(
    path.join(dir, `${name}.ext`),
    `subjectAltName=${subjectAltName}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key',
      '-set_serial', `0x${randomBytes(12).toString('hex')}`,
      '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`],
    dir,
  );
}

/** Makes the CA and the three certificates into a new temp directory. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rfc6455-tls-'));
  try {
    await openssl(
      ['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=rfc6455 test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      dir,
    );
    await Promise.all([
      issue(dir, 'server', 'localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1'),
      issue(dir, 'wrong-host', WRONG_HOST, `DNS:${WRONG_HOST}`),
      openssl(
        ['req', '-x509', ...EC_KEY, '-keyout', 'self-signed.key', '-out', 'self-signed.pem', '-days', '2',
          '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
        dir,
      ),
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const files = {
    ca: path.join(dir, 'ca.pem'),
    cert: path.join(dir, 'server.pem'),
    key: path.join(dir, 'server.key'),
    wrongHostCert: path.join(dir, 'wrong-host.pem'),
    wrongHostKey: path.join(dir, 'wrong-host.key'),
    selfSignedCert: path.join(dir, 'self-signed.pem'),
    selfSignedKey: path.join(dir, 'self-signed.key'),
  };
  const read = (file: string): Promise<string> => readFile(file, 'utf8');
  const [caPem, certPem, keyPem, wrongHostCertPem, wrongHostKeyPem, selfSignedCertPem, selfSignedKeyPem] =
    await Promise.all([files.ca, files.cert, files.key, files.wrongHostCert, files.wrongHostKey, files.selfSignedCert, files.selfSignedKey].map(read));
  return {
    dir,
    caPem: caPem as string,
    certPem: certPem as string,
    keyPem: keyPem as string,
    wrongHostCertPem: wrongHostCertPem as string,
    wrongHostKeyPem: wrongHostKeyPem as string,
    selfSignedCertPem: selfSignedCertPem as string,
    selfSignedKeyPem: selfSignedKeyPem as string,
    files,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
