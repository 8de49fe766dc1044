import { Component, computed, inject, signal } from '@angular/core';
import { DatePipe, JsonPipe } from '@angular/common';
import { GlueberryService } from './glueberry.service';

@Component({
  selector: 'app-root',
  imports: [DatePipe, JsonPipe],
  templateUrl: './app.html',
  styleUrl: './app.css'
})
export class App {
  protected readonly glueberry = inject(GlueberryService);
  protected readonly draft = signal('');
  protected readonly established = computed(() => this.glueberry.peers().filter((p) => p.state === 'Established'));

  protected async send(): Promise<void> {
    const text = this.draft();
    if (text === '') return;
    // A failed send is shown in the errors panel by the service; the draft stays for another try.
    const results = await Promise.allSettled(this.established().map((p) => this.glueberry.send(p.peerId, text)));
    if (results.every((r) => r.status === 'fulfilled')) this.draft.set('');
  }
}
