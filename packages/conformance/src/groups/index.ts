import type { ConformanceGroup } from '../conformance-case.js';
import { baseContractGroup } from './base-contract.js';
import { batchGroup } from './batch.js';
import { clearGroup } from './clear.js';
import { concurrencyGroup } from './concurrency.js';
import { errorsGroup } from './errors.js';
import { faultsGroup } from './faults.js';
import { healthGroup } from './health.js';
import { keyListingGroup } from './key-listing.js';
import { keysGroup } from './keys.js';
import { lifecycleGroup } from './lifecycle.js';
import { locksGroup } from './locks.js';
import { modelCheckGroup } from './model-check.js';
import { sharedStoreGroup } from './shared-store.js';
import { timeoutsGroup } from './timeouts.js';
import { tracingGroup } from './tracing.js';
import { ttlGroup } from './ttl.js';
import { ttlInspectionGroup } from './ttl-inspection.js';
import { valuesGroup } from './values.js';

/** Every group, in the order the suite registers them. */
export const CONFORMANCE_GROUP_DEFINITIONS: readonly ConformanceGroup[] = [
  baseContractGroup,
  keysGroup,
  valuesGroup,
  ttlGroup,
  concurrencyGroup,
  lifecycleGroup,
  healthGroup,
  errorsGroup,
  sharedStoreGroup,
  ttlInspectionGroup,
  locksGroup,
  timeoutsGroup,
  batchGroup,
  clearGroup,
  keyListingGroup,
  faultsGroup,
  modelCheckGroup,
  tracingGroup,
];
