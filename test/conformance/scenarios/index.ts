/**
 * Every scenario module, registered for one platform. A new platform writes
 * a driver (driver.ts) and a test file that calls this.
 *
 * @module
 */
import type { PlatformDriver } from '../driver.js'
import { lifecycleScenarios } from './lifecycle.js'
import { messagingScenarios } from './messaging.js'
import { errorScenarios } from './errors.js'
import { flowScenarios } from './flow.js'

export function registerConformance (driver: PlatformDriver): void {
  lifecycleScenarios(driver)
  messagingScenarios(driver)
  errorScenarios(driver)
  flowScenarios(driver)
}
