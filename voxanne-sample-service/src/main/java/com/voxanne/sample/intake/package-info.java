/**
 * A call-intake service built on Voxanne Data the way a service team builds one: the voice agent's
 * "call ended" webhook is taken exactly once, and its contact, booking and the service's own
 * {@code call_intakes} row commit together in one tenant unit.
 */
package com.voxanne.sample.intake;
