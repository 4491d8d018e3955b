/** Tests of the DAO against real PostgreSQL, through the public voxanne-testkit API only. */
package com.voxanne.dao;
