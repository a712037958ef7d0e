/// <reference types="vite/client" />
import type { VigilApi } from '../src-main/shared/ipc-contract'

declare global {
  interface Window {
    /** Present only inside the Electron console (exposed by the preload); absent in a plain browser. */
    readonly vigil?: VigilApi
  }
}
