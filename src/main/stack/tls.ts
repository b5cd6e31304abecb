import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type Docker from 'dockerode'
import type { StackRole } from '../../shared/schemas'
import { writeFileAtomic } from '../config/atomic-file'
import type { SecretStore } from '../config/secrets'
import { execInContainer } from './container-exec'

/** The stack's certificate authority and the server certificate it signed (127.0.0.1, localhost), in the secret store. */
export const TLS_SECRETS = { caKey: 'tls.caKey', caCert: 'tls.caCert', serverKey: 'tls.serverKey', serverCert: 'tls.serverCert' } as const
export type TlsMode = 'off' | 'prefer' | 'require'

const SPLIT = '-----FDA-SPLIT-----'

/**
 * A per-stack CA (EC P-256, 10 years) and a server certificate for 127.0.0.1 and localhost signed by
 * it, made with the image's openssl inside a running container; only the exec stream carries them
 * back (never a log), and the temporary folder is removed.
 */
export async function generateStackCa(container: Docker.Container, stackName: string): Promise<Record<keyof typeof TLS_SECRETS, string>> {
  const script = `set -eu
umask 077
d=$(mktemp -d); cd "$d"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt -days 3650 \\
  -subj "/CN=FDA Offline Console stack CA ${stackName}" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nkeyUsage=critical,digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth\\n' > ext
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 825 -extfile ext 2>/dev/null
cat ca.key; echo '${SPLIT}'; cat ca.crt; echo '${SPLIT}'; cat server.key; echo '${SPLIT}'; cat server.crt
cd /; rm -rf "$d"
`
  const out = await execInContainer(container, ['sh', '-s'], script)
  const [caKey, caCert, serverKey, serverCert] = out.split(SPLIT + '\n').map((s) => s.trim() + '\n')
  if (!serverCert?.includes('BEGIN CERTIFICATE')) throw new Error('openssl in the stack image did not produce the certificates')
  return { caKey, caCert, serverKey, serverCert }
}

/** Writes a file inside a container through standard input (never argv or the environment), atomically, with an owner. */
export async function writeIntoContainer(container: Docker.Container, path: string, content: string, owner: string): Promise<void> {
  await execInContainer(
    container,
    ['sh', '-c', 'umask 077; d=$(dirname "$1"); [ -d "$d" ] || { mkdir -p "$d" && chown "$2" "$d"; }; cat > "$1.tmp" && chown "$2" "$1.tmp" && mv "$1.tmp" "$1"', 'sh', path, owner],
    content
  )
}

/** PostgreSQL: key, certificate and CA in the data folder; ssl on through an included file; reloaded (no restart). */
export async function installPostgresTls(container: Docker.Container, certs: Record<keyof typeof TLS_SECRETS, string>): Promise<void> {
  const dir = '/var/lib/fda/pgdata'
  await writeIntoContainer(container, `${dir}/fda-server.key`, certs.serverKey, 'postgres:postgres')
  await writeIntoContainer(container, `${dir}/fda-server.crt`, certs.serverCert, 'postgres:postgres')
  await writeIntoContainer(container, `${dir}/fda-root.crt`, certs.caCert, 'postgres:postgres')
  await writeIntoContainer(
    container,
    `${dir}/fda-tls.conf`,
    "ssl = on\nssl_cert_file = 'fda-server.crt'\nssl_key_file = 'fda-server.key'\nssl_ca_file = 'fda-root.crt'\nssl_min_protocol_version = 'TLSv1.2'\n",
    'postgres:postgres'
  )
  await execInContainer(container, [
    'sh', '-c',
    `grep -q "^include_if_exists = 'fda-tls.conf'" ${dir}/postgresql.conf || echo "include_if_exists = 'fda-tls.conf'" >> ${dir}/postgresql.conf; kill -HUP 1`
  ])
}

/**
 * PgBouncer: TLS towards clients (prefer, or require: plain connections refused) with the stack's
 * certificate, and towards PostgreSQL verifying the server certificate against the stack's CA.
 */
export async function installPgbouncerTls(container: Docker.Container, certs: Record<keyof typeof TLS_SECRETS, string>, mode: Exclude<TlsMode, 'off'>): Promise<void> {
  const dir = '/etc/fda-pgbouncer'
  await writeIntoContainer(container, `${dir}/tls/server.key`, certs.serverKey, 'postgres:postgres')
  await writeIntoContainer(container, `${dir}/tls/server.crt`, certs.serverCert, 'postgres:postgres')
  await writeIntoContainer(container, `${dir}/tls/root.crt`, certs.caCert, 'postgres:postgres')
  const lines = [
    `client_tls_sslmode = ${mode}`, `client_tls_key_file = ${dir}/tls/server.key`, `client_tls_cert_file = ${dir}/tls/server.crt`,
    `client_tls_ca_file = ${dir}/tls/root.crt`, 'client_tls_protocols = secure',
    'server_tls_sslmode = verify-full', `server_tls_ca_file = ${dir}/tls/root.crt`, 'server_tls_protocols = secure'
  ]
  // Drop earlier TLS lines, then add these right after [pgbouncer]; the rest of the file stays as it is.
  await execInContainer(container, [
    'sh', '-c',
    `set -eu; f=${dir}/pgbouncer.ini; grep -v -E '^(client|server)_tls_' "$f" | awk -v add="$1" '{ print } /^\\[pgbouncer\\]/ { print add }' > "$f.tmp"; chown postgres:postgres "$f.tmp"; mv "$f.tmp" "$f"`,
    'sh', lines.join('\n')
  ])
}

/** Which parts of a stack serve TLS already (connections use TLS only to those). Kept in the state folder. */
export class TlsState {
  private readonly file: string
  constructor(home: string, private readonly stackName: string) {
    this.file = join(home, 'tls-state.json')
  }
  private read(): Record<string, StackRole[]> {
    try {
      return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, StackRole[]>) : {}
    } catch {
      return {}
    }
  }
  roles(): StackRole[] {
    return this.read()[this.stackName] ?? []
  }
  mark(role: StackRole): void {
    const all = this.read()
    all[this.stackName] = [...new Set([...(all[this.stackName] ?? []), role])]
    writeFileAtomic(this.file, JSON.stringify(all, null, 2), 0o600)
  }
  unmark(role: StackRole): void {
    const all = this.read()
    if (!all[this.stackName]?.includes(role)) return
    all[this.stackName] = all[this.stackName].filter((r) => r !== role)
    writeFileAtomic(this.file, JSON.stringify(all, null, 2), 0o600)
  }
  /** The data volumes are gone: nothing of this stack serves TLS any more. */
  clear(): void {
    const { [this.stackName]: _gone, ...rest } = this.read()
    writeFileAtomic(this.file, JSON.stringify(rest, null, 2), 0o600)
  }
}

/** Connection TLS options for a role: the stack's CA, full verification (127.0.0.1 is in the certificate). */
export function tlsFor(secrets: SecretStore, state: TlsState, role: StackRole, mode: TlsMode): { ca: string } | undefined {
  if (mode === 'off' || !state.roles().includes(role)) return undefined
  const ca = secrets.get(TLS_SECRETS.caCert)
  return ca ? { ca } : undefined
}
