package com.voxanne.testkit;

/** How long one cloned database lives. */
public enum DatabaseScope {
    /**
     * One database for the test class and its {@code @Nested} classes (the default): rows written by one
     * test are seen by the next, and organizations created by name are shared.
     */
    PER_CLASS,
    /**
     * A fresh database for every test method (a clone takes milliseconds). Nothing can be injected into
     * {@code @BeforeAll} methods or constructors then, since no test method owns a database there.
     */
    PER_METHOD
}
