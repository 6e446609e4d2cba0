"""Webhooks: a CETPRO's own systems told of its events (docs/API.md «Webhooks»).

`events` writes one delivery per subscribed endpoint in the same transaction as the event
(the placement, the follow-up's answer, the publication), so a delivery exists exactly when
its event was committed; `sending` is the worker's part (sign, POST, retry with backoff);
`services` the coordinators' writes (endpoints, rotation, redelivery); `queries` the reads."""
