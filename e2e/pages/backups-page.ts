import type { Locator, Page } from '@playwright/test'

/** Page object of the Backups screen (the backup calendar). */
export class BackupsPage {
  constructor(readonly page: Page) {}

  day(isoDate: string): Locator {
    return this.page.getByTestId(`calendar-day-${isoDate}`)
  }
  backupsOn(isoDate: string, type: 'base' | 'dump'): Locator {
    return this.day(isoDate).locator(`[data-type="${type}"]`)
  }
  month(): Locator {
    return this.page.getByTestId('calendar-month')
  }
  backUpNow(): Locator {
    return this.page.getByRole('button', { name: 'Back up now' })
  }
  job(): Locator {
    return this.page.getByTestId('job-progress')
  }
  dayDetails(): Locator {
    return this.page.getByTestId('day-details')
  }
  recoverableBand(): Locator {
    return this.page.getByTestId('recoverable-band')
  }
  scheduleField(label: string): Locator {
    return this.page.getByTestId('schedules').getByLabel(`${label} schedule`)
  }
  schedules(): Locator {
    return this.page.getByTestId('schedules')
  }
}
