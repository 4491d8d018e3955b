/**
 * How the DAO does its work: the unit-of-work runner that binds each transaction, the one place that
 * maps SQLSTATEs to exceptions, input validation and the repository implementations. Not API.
 */
package com.voxanne.dao.internal;
