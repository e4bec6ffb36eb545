// Address checks without network: a stand-in resolver answers as DNS would.
import { createEmailVerifier, type DomainResolver } from '../domain/intake/email-verification';
import { fakeResolver } from './intake.helpers';

const err = (code: string) => Object.assign(new Error(code), { code });

test('MX, A fallback, null MX, missing domain, disposable (and its subdomains), reserved names', async () => {
  const aOnly: DomainResolver = { ...fakeResolver, resolveMx: async (d) => (d === 'aonly.test' ? Promise.reject(err('ENODATA')) : fakeResolver.resolveMx(d)), resolve4: async (d) => (d === 'aonly.test' ? ['192.0.2.1'] : fakeResolver.resolve4(d)) };
  const v = createEmailVerifier({ resolver: aOnly });
  expect(await v.verify('a@acme.test')).toEqual({ ok: true, checked: 'mx' });
  expect(await v.verify('a@aonly.test')).toEqual({ ok: true, checked: 'a' });
  expect(await v.verify('a@nullmx.test')).toMatchObject({ ok: false, reason: expect.stringContaining('null MX') });
  expect(await v.verify('a@nx-nowhere.test')).toMatchObject({ ok: false, reason: expect.stringContaining('does not exist') });
  expect(await v.verify('a@mailinator.com')).toMatchObject({ ok: false, reason: expect.stringContaining('disposable') });
  expect(await v.verify('a@eu.mailinator.com')).toMatchObject({ ok: false });
  expect(await v.verify('a@notmailinator.com')).toEqual({ ok: true, checked: 'mx' });
  expect(await v.verify('a@shop.example')).toMatchObject({ ok: false, reason: expect.stringContaining('reserved') });
  expect(await v.verify('a@localhost')).toMatchObject({ ok: false });
});

test('our own DNS trouble never refuses a lead: timeouts and an everything-is-missing resolver give `unverified`', async () => {
  expect(await createEmailVerifier({ resolver: fakeResolver }).verify('a@dnsdown.test')).toEqual({ ok: true, checked: 'unverified' });
  const blind: DomainResolver = { resolveMx: async () => Promise.reject(err('ENOTFOUND')), resolve4: async () => Promise.reject(err('ENOTFOUND')), resolve6: async () => Promise.reject(err('ENOTFOUND')) };
  expect(await createEmailVerifier({ resolver: blind }).verify('a@acme.test')).toEqual({ ok: true, checked: 'unverified' });
});

test('answers are cached per domain', async () => {
  const mx = jest.fn(fakeResolver.resolveMx);
  const v = createEmailVerifier({ resolver: { ...fakeResolver, resolveMx: mx } });
  await Promise.all(Array.from({ length: 50 }, (_, i) => v.verify(`p${i}@Acme.test`)));
  expect(mx).toHaveBeenCalledTimes(1);
});
