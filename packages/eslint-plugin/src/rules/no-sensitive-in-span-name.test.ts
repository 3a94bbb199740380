import { ruleTester } from '../test-support.js';
import { noSensitiveInSpanName } from './no-sensitive-in-span-name.js';

const registryField = (name: string, key: string, sensitivity = 'pii') => ({ messageId: 'registryField', data: { name, key, sensitivity } });

ruleTester().run('cairn/no-sensitive-in-span-name', noSensitiveInSpanName, {
  valid: [
    { name: 'a constant span name', code: "tracer.startSpan('checkout');" },
    { name: 'low-cardinality parts: route, method, payment method', code: `
      tracer.startSpan(\`\${req.method} \${route}\`);
      tracer.startActiveSpan('pay ' + payment.method, (span) => span.end());
      unitOfWork(\`checkout \${flow}\`, run);` },
    { name: 'a network address is not a person', code: 'tracer.startSpan(`connect ${server.address}`);' },
    { name: 'fields the registry calls internal are not flagged by their name', code: 'tracer.startSpan(`cart ${cartId}`);' },
    { name: 'identity fields in attributes are where they belong', code: "tracer.startSpan('checkout', { attributes: { 'user.id': userId } });" },
    { name: 'a bare updateName is not a span', code: 'updateName(`user ${email}`);' },
    { name: 'counting users is not a user', code: 'tracer.startSpan(`notify ${userCount} users`);' },
  ],
  invalid: [
    {
      name: 'a user id alias interpolated into a span name',
      code: 'tracer.startSpan(`checkout ${userId}`);',
      errors: [{
        message: 'Span name includes `userId`, which the registry marks pii. Span names must be low-cardinality and non-sensitive: put it in the `user.id` attribute instead.',
        line: 1, column: 30,
      }],
    },
    {
      name: 'member chains are matched by their last names',
      code: 'tracer.startActiveSpan(`load ${user.email}`, run);\nunitOfWork(`order for ${req.user.id}`, run);',
      errors: [registryField('user.email', 'user.email'), registryField('req.user.id', 'user.id')],
    },
    {
      name: 'renaming the span later is checked too',
      code: 'span.updateName(`reset ${email}`);',
      errors: [registryField('email', 'user.email')],
    },
    {
      name: 'string concatenation and conditionals',
      code: "tracer.startSpan('checkout ' + customerId);\ntracer.startSpan(anonymous ? 'guest' : `user ${clientIp}`);",
      errors: [registryField('customerId', 'user.id'), registryField('clientIp', 'client.address')],
    },
    {
      name: 'an identity field as the whole span name',
      code: 'span.updateName(userEmail);',
      errors: [registryField('userEmail', 'user.email')],
    },
    {
      name: 'a secret field',
      code: 'tracer.startSpan(`charge ${payment.card.token}`);',
      errors: [registryField('payment.card.token', 'acme.payment.card.token', 'secret')],
    },
    {
      name: 'a transformed value is still the value',
      code: 'tracer.startSpan(`lookup ${userEmail.toLowerCase()}`);\ntracer.startSpan(`lookup ${hash(cardLast4)}`);',
      errors: [registryField('userEmail.toLowerCase()', 'user.email'), registryField('hash(cardLast4)', 'acme.payment.card.last4')],
    },
    {
      name: 'identity-like names the registry does not classify',
      code: 'tracer.startSpan(`login ${username}`);\ntracer.startSpan(`geo ${ipAddress}`);',
      errors: [
        { message: 'Span name includes `username`, which can identify a person. Span names must be low-cardinality and non-sensitive: put it in an attribute instead.' },
        { messageId: 'identityLike', data: { name: 'ipAddress' } },
      ],
    },
    {
      name: 'an identity-like name the registry knows as a key is pointed to that key',
      code: 'tracer.startSpan(`profile ${user.name}`);',
      errors: [{ messageId: 'identityField', data: { name: 'user.name', key: 'user.name' } }],
    },
    {
      name: 'TypeScript: non-null assertions and casts',
      code: 'tracer.startSpan(`checkout ${session.user!.email}`);\ntracer.startSpan(`checkout ${userId as string}`);',
      errors: [registryField('session.user!.email', 'user.email'), registryField('userId', 'user.id')],
    },
  ],
});

ruleTester({}).run('cairn/no-sensitive-in-span-name without a registry', noSensitiveInSpanName, {
  valid: [
    { name: 'old names only the registry knows pass without it', code: 'tracer.startSpan(`checkout ${customerId}`);' },
  ],
  invalid: [
    {
      name: 'identity-like names are still caught',
      code: 'tracer.startSpan(`checkout ${email}`);\ntracer.startSpan(`checkout ${req.user.id}`);',
      errors: [{ messageId: 'identityLike', data: { name: 'email' } }, { messageId: 'identityLike', data: { name: 'req.user.id' } }],
    },
  ],
});
