/**
 * What the addon and its two programs (./dump-command.ts, ./load-command.ts) read out of an error
 * the same way: whether a TLS failure says the certificate is not trusted — the CA or the host
 * name is wrong, which waiting will not cure —, and a ValidationError on one line.
 */
import type { ValidationError } from '../../errors.ts';

/** Node's codes for a certificate it does not trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The untrusted-certificate code of `err` or of one of its causes (five deep at most). */
export function untrustedCertificateCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.has(code)) return code;
  }
  return undefined;
}

/** `<subject> is invalid: <path>: <message>; …` */
export function validationLine(e: ValidationError): string {
  return `${e.subject} is invalid: ${e.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`;
}
