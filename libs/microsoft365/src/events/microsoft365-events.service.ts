import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type Microsoft365Event } from './microsoft365-event';
import { type Observable, Subject } from 'rxjs';

/** The module's announcements to the host. Subscribe to `events$`; the module never waits on subscribers. */
@Injectable()
export class Microsoft365Events implements OnModuleDestroy {
  private readonly subject = new Subject<Microsoft365Event>();
  readonly events$: Observable<Microsoft365Event> = this.subject.asObservable();

  emit(event: Microsoft365Event): void {
    this.subject.next(event);
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }
}
