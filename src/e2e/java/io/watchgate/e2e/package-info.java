/**
 * The browser test: headless Chromium, driven over the DevTools protocol, against the packaged
 * gateway run as a separate process. Compiled and run with the gateway module's integration tests.
 */
package io.watchgate.e2e;
