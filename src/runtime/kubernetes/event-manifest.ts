/**
 * StowageEvent ⇄ core/v1 Event. Events are named as Stash's recorder names them
 * (`<object>.<hex unix nanoseconds>`) and say who wrote them the way `kubectl describe` shows it:
 * `source.component` is the controller ("BackupSession Controller"), `reportingComponent` is us.
 * Messages are written as given: callers never put secret values into event messages.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { StowageEvent } from '../../controllers/store.ts';

const REPORTING_COMPONENT = 'stowage';
/** The API server rejects longer messages on some versions; kubectl shows less anyway. */
const MAX_MESSAGE = 1024;

export interface InvolvedIdentity {
  apiVersion?: string;
  uid?: string;
}

/** `<name>.<hex nanoseconds>` as client-go's recorder names events; `subMillis` fills the nanoseconds below the ms. */
export function eventName(objectName: string, at: Date, subMillis = 0): string {
  const nanos = BigInt(at.getTime()) * 1_000_000n + BigInt(subMillis % 1_000_000);
  return `${objectName}.${nanos.toString(16)}`;
}

export function eventManifest(
  event: StowageEvent,
  at: Date,
  identity: InvolvedIdentity = {},
  subMillis = 0,
): CoreV1Event {
  const o = event.involvedObject;
  const message =
    event.message.length > MAX_MESSAGE ? `${event.message.slice(0, MAX_MESSAGE - 1)}…` : event.message;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(o.name, at, subMillis), namespace: o.namespace },
    involvedObject: {
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      ...(identity.apiVersion ? { apiVersion: identity.apiVersion } : {}),
      ...(identity.uid ? { uid: identity.uid } : {}),
    },
    type: event.type,
    reason: event.reason,
    message,
    source: { component: event.source || REPORTING_COMPONENT },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: REPORTING_COMPONENT,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
}

const iso = (d: Date | string | undefined): string | undefined =>
  d === undefined ? undefined : typeof d === 'string' ? d : d.toISOString();

export function fromEventManifest(e: CoreV1Event): StowageEvent {
  const time = iso(e.lastTimestamp) ?? iso(e.eventTime) ?? iso(e.metadata.creationTimestamp);
  return {
    involvedObject: {
      kind: e.involvedObject.kind ?? '',
      namespace: e.involvedObject.namespace ?? e.metadata.namespace ?? '',
      name: e.involvedObject.name ?? '',
    },
    type: e.type === 'Warning' ? 'Warning' : 'Normal',
    reason: e.reason ?? '',
    message: e.message ?? '',
    source: e.source?.component ?? e.reportingComponent ?? '',
    ...(time ? { time } : {}),
  };
}

/** Oldest first, as LocalStore lists them. */
export function eventTimeKey(e: CoreV1Event): number {
  const t = e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
}
