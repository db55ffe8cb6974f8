/** Test fixtures: a gateway started in this JVM and an SSE client that records what it receives. */
package io.watchgate.gateway.testing;
