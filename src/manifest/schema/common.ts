// Field schemas shared by the Kubernetes kinds svcc reads (only the fields it consumes).
import { z } from 'zod'
import { parseCidr, parseIp } from '../../model/ip.ts'

/** Marks a custom zod issue with the diagnostic code it should become. */
export function svccIssue(code: string, message: string) {
  return { code: 'custom' as const, message, params: { svcc: code } }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

/** RFC 1123 label: what namespaces and Service names must be. */
export const dnsLabel = z.string().superRefine((value, ctx) => {
  if (value.length > 63 || !DNS_LABEL.test(value))
    ctx.addIssue(svccIssue('INVALID_NAME', `${JSON.stringify(value)} is not a valid DNS label (lower-case letters, digits and '-', at most 63 characters)`))
})

/** RFC 1035 label: what Service names must be (they become DNS names, so they start with a letter). */
export const dns1035Label = z.string().superRefine((value, ctx) => {
  if (value.length > 63 || !DNS_1035_LABEL.test(value))
    ctx.addIssue(svccIssue('INVALID_NAME', `${JSON.stringify(value)} is not a valid Service name (lower-case letters, digits and '-', starting with a letter, at most 63 characters)`))
})

/** RFC 1123 subdomain: EndpointSlice and Node names. */
export const dnsSubdomain = z.string().superRefine((value, ctx) => {
  if (value.length > 253 || !DNS_SUBDOMAIN.test(value))
    ctx.addIssue(svccIssue('INVALID_NAME', `${JSON.stringify(value)} is not a valid DNS subdomain name`))
})

/** Port names: a DNS label, or "" for the single unnamed port. */
export const portName = z.string().superRefine((value, ctx) => {
  if (value !== '' && (value.length > 63 || !DNS_LABEL.test(value)))
    ctx.addIssue(svccIssue('INVALID_NAME', `port name ${JSON.stringify(value)} is not a valid DNS label`))
})

export const protocol = z.enum(['TCP', 'UDP', 'SCTP'], { error: 'protocol must be TCP, UDP or SCTP' })

export const portNumber = z
  .number({ error: 'port must be a number' })
  .int({ error: 'port must be an integer' })
  .superRefine((value, ctx) => {
    if (value < 1 || value > 65535) ctx.addIssue(svccIssue('PORT_OUT_OF_RANGE', `port ${value} is outside 1-65535`))
  })

/** 0 means "none", as in the API. */
export const optionalPortNumber = z
  .number({ error: 'port must be a number' })
  .int({ error: 'port must be an integer' })
  .superRefine((value, ctx) => {
    if (value < 0 || value > 65535) ctx.addIssue(svccIssue('PORT_OUT_OF_RANGE', `port ${value} is outside 1-65535`))
  })

export const ipString = z.string().superRefine((value, ctx) => {
  if (!parseIp(value)) ctx.addIssue(svccIssue('INVALID_IP', `${JSON.stringify(value)} is not a valid IP address`))
})

/** kube-proxy trims spaces around loadBalancerSourceRanges entries (" 203.0.113.0/25" is accepted). */
export const cidrString = z.string().superRefine((value, ctx) => {
  if (!parseCidr(value.trim())) ctx.addIssue(svccIssue('INVALID_CIDR', `${JSON.stringify(value)} is not a valid CIDR`))
})

/**
 * Linux interface names (IFNAMSIZ: at most 15 bytes). svcc writes them into rules unquoted, so
 * only the characters interface names use in practice are accepted.
 */
export const interfaceName = z.string().superRefine((value, ctx) => {
  if (value !== '' && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(value))
    ctx.addIssue(svccIssue('INVALID_NAME', `${JSON.stringify(value)} is not a usable interface name (letters, digits, '_', '.', '-', at most 15 characters)`))
})

export const labels = z.record(z.string(), z.string().nullish().transform((v) => v ?? ''))

/** Service metadata. */
export const objectMeta = z.object({
  name: dns1035Label,
  namespace: dnsLabel.nullish(),
  labels: labels.nullish(),
})
