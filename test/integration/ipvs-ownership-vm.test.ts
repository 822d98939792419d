import { describe, it } from 'node:test';
import { useVmScenario } from '../helpers/ipvs-vm.js';

/**
 * What rsguard does with what it did not create, against a real kernel IPVS
 * in the QEMU guest (issue 23: real servers added by hand, adopted services;
 * issue 21: services a reload or a restart drops). One guest boot runs every
 * step in order (test/vm/ipvs-ownership-scenario.ts).
 */
describe('IPVS ownership against real kernel IPVS (QEMU guest)', () => {
  const step = useVmScenario('ipvs-ownership-scenario', 300);

  it('a service there before rsguard keeps its scheduler, persistence and real servers (foreignServers: keep, the default)', () => {
    step('initial');
    step('adopted-settings-kept');
  });
  it('a real server added by hand to a service rsguard created survives three reconciles, is told once in the log, and is listed as foreign in /api/status and rsguard status', () => {
    step('hand-added-kept');
    step('status-foreign');
    step('status-cli-foreign');
    step('foreign-logged-once');
  });
  it('on SIGHUP a service rsguard created that the config dropped is deleted, and a dropped real server; the hand-added server and the adopted service stay', () => {
    step('reload-deletes-created');
    step('reload-keeps-foreign-and-adopted');
  });
  it('ownership survives a restart: a created service the new config lacks is deleted at start, a created one is edited, an adopted one is not', () => {
    step('stop-without-clean-stop');
    step('restart-deletes-created');
    step('restart-keeps-adopted');
  });
  it('foreignServers: remove, taken on a reload, deletes foreign real servers and sets an adopted service to the config; unconfigured services stay, and cleanStop (now on) deletes only the created one', () => {
    step('remove-mode');
    step('remove-mode-leaves-unconfigured');
    step('clean-stop');
  });
});
