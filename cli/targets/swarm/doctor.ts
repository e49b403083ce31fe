/**
 * The Swarm target's doctor checks: the manager answers like one engine (the Docker target's checks:
 * endpoint, engine, base image, disk on the manager, where images are built), is a manager of an active
 * swarm, the fleet's image names a registry the nodes can pull from, and the nodes (ready, active, which
 * events each holds). What only a node knows (its runc, its appdata) cannot be read through the manager.
 */
import type { Fleet } from '../../fleet/schema.js';
import { fail, ok, warn } from '../../finding.js';
import { FleetError } from '../../errors.js';
import { connectEngine } from '../docker/client.js';
import { namedRegistry } from '../registry-host.js';
import { dockerChecks } from '../docker/doctor/checks.js';
import type { TargetChecks } from '../target.js';
import { describeNode, listNodes } from './placement.js';
import { HOME_LABEL_PREFIX } from './spec.js';
import { swarmState, swarmTarget } from './target.js';

export function swarmChecks(): TargetChecks {
  const docker = dockerChecks();
  let swarmOk = false;
  return {
    async reach() {
      const reached = await docker.reach();
      if (!reached.ready) return reached;
      const engine = connectEngine();
      try {
        const { nodes } = await swarmState(engine);
        swarmOk = true;
        return { findings: [...reached.findings, ok('swarm', `a manager of a swarm of ${nodes} node(s)`)], ready: true };
      } catch (err) {
        if (!(err instanceof FleetError)) throw err;
        return { findings: [...reached.findings, fail('swarm', err.message)], ready: false };
      }
    },
    async forFleet(fleet: Fleet, options = {}) {
      const findings = await docker.forFleet(fleet, options);
      findings.push(
        namedRegistry(fleet.image)
          ? ok('registry', `${fleet.image}: up pushes each revision there and the nodes pull it by digest`)
          : fail(
              'registry',
              `image: ${fleet.image} names no registry, and Swarm nodes pull`,
              'set image: to a repository in a registry every node can reach (e.g. ghcr.io/you/demo-id-headers)',
            ),
      );
      if (!swarmOk) return findings;
      const nodes = await listNodes(connectEngine().docker);
      for (const n of nodes) {
        // by this fleet's events (a prefix would also match fleet a-b's events when this is fleet a)
        const events = Object.keys(fleet.events).filter((e) => n.labels[`${HOME_LABEL_PREFIX}${fleet.name}-${e}`] !== undefined);
        const holds = events.length ? `; home of ${events.join(', ')}` : '';
        if (n.ready && n.active) findings.push(ok('node', `${describeNode(n)} ${n.role}, ready${holds}`));
        else
          findings.push(
            warn(
              'node',
              `${describeNode(n)} ${n.role} is ${n.ready ? 'ready' : 'not ready'} and ${n.availability}${holds}`,
              events.length ? 'its events stay pending until it is back: docker node update --availability active <node>' : undefined,
            ),
          );
      }
      return findings;
    },
    target: () => swarmTarget(),
  };
}
