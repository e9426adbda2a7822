// Presigned storage URLs as the real Hub hands them out: LFS upload and part URLs point at S3 and
// carry an AWS Signature V4 query (X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders,
// -Signature) that the storage listener checks, so they need no Authorization, expire, and refuse
// tampering the way S3 does (403 with an XML body). The multipart completion URL is a Hub URL
// (`/api/complete_multipart?…&expiration=…&signature=…`) that the Hub signs with its own HMAC.
// Every signature handed out is kept, so a test can assert that none of them leaks anywhere.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

const ALGORITHM = 'AWS4-HMAC-SHA256'
const REGION = 'us-east-1'
const SERVICE = 's3'
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'
/** Query parameters that make a URL presigned; a request without them is anonymous to S3. */
const SIGNATURE_PARAM = 'X-Amz-Signature'

/** An answer in S3's shape: a status, an error code and message, plus extra XML fields. */
export class S3Error extends Error {
  readonly status: number
  readonly code: string
  readonly fields: Record<string, string>

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message)
    this.name = 'S3Error'
    this.status = status
    this.code = code
    this.fields = fields
  }
}

/** S3's XML error document (`<Error><Code>…</Code><Message>…</Message>…<RequestId>…</Error>`). */
export function s3ErrorXml(error: S3Error, requestId: string): string {
  const fields = { Code: error.code, Message: error.message, ...error.fields, RequestId: requestId }
  const body = Object.entries(fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('')
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${body}<HostId>${hostId(requestId)}</HostId></Error>`
}

/** S3's default error for a status, used when a fault answers on the storage listener. */
export function s3ErrorForStatus(status: number): S3Error {
  const known: Record<number, [string, string]> = {
    400: ['InvalidRequest', 'The request is not valid.'],
    403: ['AccessDenied', 'Access Denied'],
    404: ['NoSuchKey', 'The specified key does not exist.'],
    408: [
      'RequestTimeout',
      'Your socket connection to the server was not read from or written to within the timeout period.'
    ],
    409: ['OperationAborted', 'A conflicting conditional operation is currently in progress against this resource.'],
    411: ['MissingContentLength', 'You must provide the Content-Length HTTP header.'],
    500: ['InternalError', 'We encountered an internal error. Please try again.'],
    501: ['NotImplemented', 'A header you provided implies functionality that is not implemented.'],
    503: ['SlowDown', 'Please reduce your request rate.']
  }
  const [code, message] = known[status] ?? ['InternalError', `HTTP ${status}`]
  return new S3Error(status, code, message)
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

function hostId(requestId: string): string {
  return createHash('sha256').update(requestId).digest('base64')
}

export interface SignerOptions {
  /** Milliseconds since the epoch; tests inject a clock to expire URLs without waiting. */
  now: () => number
  /** Lifetime of every URL handed out, in seconds (X-Amz-Expires). */
  ttlSeconds: number
}

interface Issued {
  /** Set by expireAll(): the URL answers "Request has expired" whatever its date says. */
  forcedExpired: boolean
}

/**
 * Signs and checks the emulator's storage URLs and completion URLs. The secret key is random per
 * emulator start, so URLs never survive a restart (neither do upload sessions).
 */
export class UrlSigner {
  /** Not a secret (S3 echoes it in errors); shaped like an IAM access key id. */
  readonly accessKeyId: string
  private readonly secretKey = randomBytes(30).toString('base64')
  private readonly hubKey = randomBytes(32)
  private readonly issued = new Map<string, Issued>()
  private readonly options: SignerOptions

  constructor(options: SignerOptions) {
    this.options = options
    this.accessKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`
  }

  now(): number {
    return this.options.now()
  }

  /** Adds an S3 SigV4 query to `url` (its path and own query stay), valid for `ttlSeconds` from now. */
  presign(method: string, url: URL): string {
    const amzDate = amzDateOf(this.now())
    const scope = `${amzDate.slice(0, 8)}/${REGION}/${SERVICE}/aws4_request`
    const query = url.searchParams
    query.set('X-Amz-Algorithm', ALGORITHM)
    query.set('X-Amz-Content-Sha256', UNSIGNED_PAYLOAD)
    query.set('X-Amz-Credential', `${this.accessKeyId}/${scope}`)
    query.set('X-Amz-Date', amzDate)
    query.set('X-Amz-Expires', String(this.options.ttlSeconds))
    query.set('X-Amz-SignedHeaders', 'host')
    const signature = this.signature(method, url.pathname, query, url.host)
    query.set(SIGNATURE_PARAM, signature)
    this.issued.set(signature, { forcedExpired: false })
    return url.href
  }

  /**
   * Checks a request to the storage listener like S3 checks a presigned URL; throws the S3Error S3
   * would answer. `host` is the Host header the request came with.
   */
  verifyStorageRequest(method: string, url: URL, host: string, authorization: string | undefined): void {
    const query = url.searchParams
    const signature = query.get(SIGNATURE_PARAM)
    if (signature !== null && authorization) {
      throw new S3Error(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string ' +
          'parameter or the Authorization header should be specified',
        { ArgumentName: 'Authorization', ArgumentValue: 'Bearer ***' }
      )
    }
    if (signature === null) throw new S3Error(403, 'AccessDenied', 'Access Denied')
    const amzDate = query.get('X-Amz-Date') ?? ''
    const expires = Number(query.get('X-Amz-Expires'))
    const credential = query.get('X-Amz-Credential') ?? ''
    if (query.get('X-Amz-Algorithm') !== ALGORITHM || !/^\d{8}T\d{6}Z$/.test(amzDate) || !Number.isInteger(expires)) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires ' +
          'the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, ' +
          'and X-Amz-Expires parameters.'
      )
    }
    if (!credential.startsWith(`${this.accessKeyId}/`)) {
      throw new S3Error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        {
          AWSAccessKeyId: credential.split('/')[0] ?? ''
        }
      )
    }
    const expected = this.signature(method, url.pathname, query, host)
    if (!sameHex(expected, signature)) {
      throw new S3Error(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. ' +
          'Check your key and signing method.',
        {
          AWSAccessKeyId: this.accessKeyId,
          StringToSign: this.stringToSign(method, url.pathname, query, host),
          // S3 really echoes the signature it was given: a client that prints error bodies leaks it.
          SignatureProvided: signature
        }
      )
    }
    const signedAt = parseAmzDate(amzDate)
    const expiresAt = signedAt + expires * 1000
    if (this.now() > expiresAt || this.issued.get(signature)?.forcedExpired) {
      throw new S3Error(403, 'AccessDenied', 'Request has expired', {
        'X-Amz-Expires': String(expires),
        Expires: isoSeconds(expiresAt),
        ServerTime: isoSeconds(this.now())
      })
    }
  }

  /** The Hub's own signed completion URL for a multipart upload. */
  signCompletionUrl(origin: string, params: { uploadId: string; bucket: string; prefix: string }): string {
    const expiration = String(this.now() + this.options.ttlSeconds * 1000)
    const signature = this.hubSignature({ ...params, expiration })
    this.issued.set(signature, { forcedExpired: false })
    const query = new URLSearchParams({ ...params, expiration, signature })
    return `${origin}/api/complete_multipart?${query.toString()}`
  }

  /** Checks a completion URL; returns the uploadId, or a reason the Hub refuses it. */
  verifyCompletionUrl(url: URL): { uploadId: string } | { refused: 'signature' | 'expired' } {
    const query = url.searchParams
    const params = {
      uploadId: query.get('uploadId') ?? '',
      bucket: query.get('bucket') ?? '',
      prefix: query.get('prefix') ?? '',
      expiration: query.get('expiration') ?? ''
    }
    const signature = query.get('signature') ?? ''
    if (!sameHex(this.hubSignature(params), signature)) return { refused: 'signature' }
    if (this.now() > Number(params.expiration) || this.issued.get(signature)?.forcedExpired)
      return { refused: 'expired' }
    return { uploadId: params.uploadId }
  }

  /** Every URL handed out so far answers as expired from now on (URLs handed out later are fresh). */
  expireAll(): void {
    for (const entry of this.issued.values()) entry.forcedExpired = true
  }

  /** Every signature (S3 and completion) handed out since the start, oldest first. */
  signatures(): string[] {
    return [...this.issued.keys()]
  }

  private signature(method: string, path: string, query: URLSearchParams, host: string): string {
    const amzDate = query.get('X-Amz-Date') ?? ''
    let key: Buffer = hmac(`AWS4${this.secretKey}`, amzDate.slice(0, 8))
    for (const part of [REGION, SERVICE, 'aws4_request']) key = hmac(key, part)
    return hmac(key, this.stringToSign(method, path, query, host)).toString('hex')
  }

  private stringToSign(method: string, path: string, query: URLSearchParams, host: string): string {
    const amzDate = query.get('X-Amz-Date') ?? ''
    const canonical = [method, path, canonicalQuery(query), `host:${host}`, '', 'host', UNSIGNED_PAYLOAD].join('\n')
    const scope = `${amzDate.slice(0, 8)}/${REGION}/${SERVICE}/aws4_request`
    return [ALGORITHM, amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n')
  }

  private hubSignature(params: Record<string, string>): string {
    const text = ['uploadId', 'bucket', 'prefix', 'expiration'].map((key) => `${key}=${params[key] ?? ''}`).join('&')
    return createHmac('sha256', this.hubKey).update(text).digest('hex')
  }
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

/** SigV4 canonical query: every parameter but the signature, RFC 3986-encoded, sorted by name. */
function canonicalQuery(query: URLSearchParams): string {
  return [...query.entries()]
    .filter(([name]) => name !== SIGNATURE_PARAM)
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function sameHex(expected: string, given: string): boolean {
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

function parseAmzDate(value: string): number {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) ?? []
  return Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`)
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
