/** Tests of the test kit, each against real PostgreSQL, through its public API. */
package com.voxanne.testkit;
