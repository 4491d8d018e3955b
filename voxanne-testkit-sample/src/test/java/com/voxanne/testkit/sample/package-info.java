/** A consumer's tests written against the public voxanne-testkit API only; the README quotes them. */
package com.voxanne.testkit.sample;
