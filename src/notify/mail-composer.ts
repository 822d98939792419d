import type { MailEvent } from './mail-event.js';

/**
 * Subjects keep keepalived's shape (smtp.c): `[router_id] Realserver <rs> of
 * virtual server <vs> - DOWN`, `[router_id] Virtualserver <vs> - UP`,
 * `[router_id] VRRP Instance <name> - Entering MASTER state`. Several events
 * inside the digest window make one mail. Pure.
 */
export function subjectOf(e: MailEvent, routerId: string): string {
  const p = `[${routerId}]`;
  const rs = `Realserver ${e.rs} of virtual server ${e.vs}`;
  switch (e.kind) {
    case 'rs-down':
      return `${p} ${rs} - DOWN`;
    case 'rs-up':
      return `${p} ${rs} - UP`;
    case 'rs-still-down':
      return `${p} ${rs} - STILL DOWN`;
    case 'flapping-start':
      return `${p} ${rs} - FLAPPING`;
    case 'flapping-stop':
      return `${p} ${rs} - STOPPED FLAPPING`;
    case 'sorry-in':
      return `${p} Virtualserver ${e.vs} - SORRY SERVER IN`;
    case 'sorry-out':
      return `${p} Virtualserver ${e.vs} - SORRY SERVER OUT`;
    case 'sorry-down':
      return `${p} Sorry server ${e.rs} of virtual server ${e.vs} - DOWN`;
    case 'sorry-up':
      return `${p} Sorry server ${e.rs} of virtual server ${e.vs} - UP`;
    case 'quorum-lost':
      return `${p} Virtualserver ${e.vs} - DOWN`;
    case 'quorum-gained':
      return `${p} Virtualserver ${e.vs} - UP`;
    case 'vrrp':
      return `${p} VRRP ${e.vrrp!.kind === 'GROUP' ? 'Group' : 'Instance'} ${e.vrrp!.name} - Entering ${e.vrrp!.state} state`;
    case 'started':
      return `${p} rsguard started`;
    case 'stopping':
      return `${p} rsguard stopping`;
    case 'check-error':
      if (e.checkError!.reason === 'unresolved') return `${p} rsguard cannot resolve a real server's name - left out of the pool until it resolves`;
      return `${p} rsguard cannot run checks (${e.checkError!.reason}) - servers hold their last state`;
    case 'check-error-cleared':
      if (e.checkError!.reason === 'unresolved') return `${p} rsguard: real server names resolve again`;
      return `${p} rsguard checks run again (${e.checkError!.reason})`;
    case 'valve-held':
      return `${p} Virtualserver ${e.vs} - MASS FAILURE HELD FOR CONFIRMATION`;
    case 'valve-confirmed':
      return `${p} Virtualserver ${e.vs} - MASS FAILURE CONFIRMED`;
    case 'maint-on':
      return `${p} ${rs} - MAINTENANCE ON`;
    case 'maint-off':
      return `${p} ${rs} - MAINTENANCE OFF`;
    case 'drain-on':
      return `${p} ${rs} - DRAINED`;
    case 'drain-off':
      return `${p} ${rs} - UNDRAINED`;
  }
}

function describe(e: MailEvent): string {
  const when = new Date(e.at).toISOString();
  const why = e.check ? ` (${e.check}: ${e.reason ?? ''})` : e.reason ? ` (${e.reason})` : '';
  switch (e.kind) {
    case 'rs-down':
      return `${when}  ${e.rs} in ${e.vsName} is DOWN${why}`;
    case 'rs-up':
      return `${when}  ${e.rs} in ${e.vsName} is UP again${why}`;
    case 'rs-still-down':
      return `${when}  ${e.rs} in ${e.vsName} is still DOWN${why}`;
    case 'flapping-start':
      return `${when}  ${e.rs} in ${e.vsName} is FLAPPING${why}; its transitions are not mailed until it stops`;
    case 'flapping-stop':
      return `${when}  ${e.rs} in ${e.vsName} stopped flapping`;
    case 'sorry-in':
      return `${when}  ${e.vsName} (${e.vs}): no real server up, the sorry server is in`;
    case 'sorry-out':
      return `${when}  ${e.vsName} (${e.vs}): real servers are back, the sorry server is out`;
    case 'sorry-down':
      return `${when}  sorry server ${e.rs} of ${e.vsName} is DOWN${why}: it will not stand in for the real servers`;
    case 'sorry-up':
      return `${when}  sorry server ${e.rs} of ${e.vsName} is UP again${why}`;
    case 'quorum-lost':
      return `${when}  ${e.vsName} (${e.vs}) lost quorum${why}`;
    case 'quorum-gained':
      return `${when}  ${e.vsName} (${e.vs}) gained quorum${why}`;
    case 'vrrp':
      return `${when}  VRRP ${e.vrrp!.kind.toLowerCase()} ${e.vrrp!.name} entered ${e.vrrp!.state} (priority ${e.vrrp!.priority})`;
    case 'started':
      return `${when}  rsguard started`;
    case 'stopping':
      return `${when}  rsguard is stopping`;
    case 'check-error':
      if (e.checkError!.reason === 'unresolved') return `${when}  ${e.check ?? 'a real server'}: ${e.reason ?? 'unresolved'}, its host name gives no address. It is left out of the pool, neither up nor down, and asked again until it resolves; then it is added and checked.`;
      return `${when}  rsguard cannot run ${e.checkError!.checks === 1 ? 'a check' : `${e.checkError!.checks} checks`} (${e.checkError!.reason})${why}. This is a fault of the director, not of the real servers: they keep their last state until the checks run again.`;
    case 'check-error-cleared':
      return `${when}  checks that failed to run (${e.checkError!.reason}) run again${e.reason ? ` (${e.reason})` : ''}`;
    case 'valve-held':
      return `${when}  ${e.vsName} (${e.vs}): ${e.reason}; the change waits for a second round of checks`;
    case 'valve-confirmed':
      return `${when}  ${e.vsName} (${e.vs}): ${e.reason}; the change is applied`;
    case 'maint-on':
      return `${when}  ${e.rs} in ${e.vsName} is in MAINTENANCE${holder(e)}: out of the pool, its DOWN and UP are not mailed until maintenance ends`;
    case 'maint-off':
      return `${when}  ${e.rs} in ${e.vsName} is out of maintenance${holder(e)}: its checks decide again`;
    case 'drain-on':
      return `${when}  ${e.rs} in ${e.vsName} is DRAINED${holder(e)}: weight 0, its connections finish`;
    case 'drain-off':
      return `${when}  ${e.rs} in ${e.vsName} is undrained${holder(e)}: back at its weight when up`;
  }
}

/** ` (by 10.0.0.9 through api: reason)`: who held the server and why, as far as rsguard knows. */
function holder(e: MailEvent): string {
  const parts = [e.admin?.by ? `by ${e.admin.by}` : '', e.admin ? `through ${e.admin.source}` : ''].filter(Boolean).join(' ');
  const text = [parts, e.reason ?? ''].filter(Boolean).join(': ');
  return text ? ` (${text})` : '';
}

export function composeMail(events: MailEvent[], routerId: string, pools: string): { subject: string; text: string } {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  let subject: string;
  if (sorted.length === 1) subject = subjectOf(sorted[0]!, routerId);
  else {
    const down = sorted.filter((e) => e.kind === 'rs-down').length;
    const up = sorted.filter((e) => e.kind === 'rs-up').length;
    // rsguard's own faults are named in the subject: they are the director's to fix, not the servers'.
    const blind = sorted.filter((e) => e.kind === 'check-error').length;
    const other = sorted.length - down - up - blind;
    const parts = [blind ? `${blind} CHECK ERROR` : '', down ? `${down} DOWN` : '', up ? `${up} UP` : '', other ? `${other} other` : ''].filter(Boolean);
    subject = `[${routerId}] rsguard: ${sorted.length} transitions (${parts.join(', ')})`;
  }
  const text = [`rsguard on ${routerId}`, '', ...sorted.map(describe), '', 'Pools now:', pools, ''].join('\n');
  return { subject, text };
}
