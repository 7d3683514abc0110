/**
 * The sidebar widget. Its content (sidebar.ts) is loaded, and the server
 * asked for profiles, regions and environments, only once it is first shown.
 */
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import type { MwaaSidebar } from './sidebar';

export class SidebarHost extends Widget {
  constructor(private _load: (node: HTMLElement) => Promise<MwaaSidebar>) {
    super();
    this.id = 'mwaa-sidebar';
    this.addClass('mwaa-sidebar');
  }

  /** The content, once loaded. */
  get content(): MwaaSidebar | null {
    return this._content;
  }

  /** Load the content (once); resolves when its first refresh has started. */
  load(): Promise<MwaaSidebar> {
    if (!this._loading) {
      this._loading = this._load(this.node).then(content => {
        this._content = content;
        void content.refresh();
        return content;
      });
    }
    return this._loading;
  }

  /** Reload the list every `seconds` while the sidebar is shown; 0: never. */
  setRefreshInterval(seconds: number): void {
    window.clearInterval(this._timer);
    this._timer = undefined;
    if (seconds > 0) {
      this._timer = window.setInterval(() => {
        if (this._content && this.isVisible) {
          void this._content.refresh();
        }
      }, seconds * 1000);
    }
  }

  dispose(): void {
    this.setRefreshInterval(0);
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible) {
      void this.load();
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this.load();
  }

  private _content: MwaaSidebar | null = null;
  private _loading: Promise<MwaaSidebar> | null = null;
  private _timer: number | undefined = undefined;
}
