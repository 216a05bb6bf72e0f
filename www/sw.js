// The playground's service worker: arvak-grpc-wasm's journal relay, so that a batch's submissions
// on the wire when the page is reloaded still deliver their job ids (see the README's journal
// section). It handles only the requests the client marks for it; everything else goes to the
// network as usual.
importScripts("./pkg/relay-sw.js");

// Take over this page at once (the first visit too), so a batch started right away is relayed.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
