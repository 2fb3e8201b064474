// The packet a user writes: --src ADDRESS and --dst ADDRESS:PORT[/PROTOCOL].
import { describe, expect, it } from 'vitest'
import { parseDestination, parseSource } from '../../src/trace/packet.ts'

describe('parseDestination', () => {
  it.each([
    ['172.30.0.10:80', '172.30.0.10', 80, 'tcp'],
    ['172.30.0.10:53/udp', '172.30.0.10', 53, 'udp'],
    ['172.30.0.10:9000/SCTP', '172.30.0.10', 9000, 'sctp'],
    ['[fd00::1]:80/udp', 'fd00::1', 80, 'udp'],
    ['[FD00:0::0001]:443', 'fd00::1', 443, 'tcp'],
    ['172.030.0.010:80', '172.30.0.10', 80, 'tcp'],
  ])('reads %s', (text, ip, port, protocol) => {
    const parsed = parseDestination(text)
    expect(parsed.ok && { ip: parsed.value.ip.text, port: parsed.value.port, protocol: parsed.value.protocol }).toEqual({ ip, port, protocol })
  })

  it.each([
    ['172.30.0.10', 'expected ADDRESS:PORT'],
    ['172.30.0.10:80/icmp', 'tcp, udp or sctp'],
    ['172.30.0.10:0', 'between 1 and 65535'],
    ['172.30.0.10:70000', 'between 1 and 65535'],
    ['fd00::1:80', 'in brackets'],
    ['[10.0.0.1]:80', 'IPv6 addresses only'],
    ['web:80', 'not an IP address'],
    ['172.30.0.10:http', 'expected ADDRESS:PORT'],
  ])('refuses %s', (text, message) => {
    const parsed = parseDestination(text)
    expect(parsed.ok).toBe(false)
    expect(!parsed.ok && parsed.message).toContain(message)
  })
})

describe('parseSource', () => {
  it('reads an address, canonically', () => {
    const parsed = parseSource('2001:DB8::0:1')
    expect(parsed.ok && parsed.value.text).toBe('2001:db8::1')
  })

  it('refuses anything else', () => {
    expect(parseSource('10.0.0.0/8')).toEqual({ ok: false, message: '--src "10.0.0.0/8": not an IP address' })
  })
})
