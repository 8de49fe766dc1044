import { ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideGlueberry } from './glueberry.service';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideGlueberry()
  ]
};
