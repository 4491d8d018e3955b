package com.voxanne.testkit.postgres;

/** Fills a template database once; every clone of the template starts from what it leaves. */
@FunctionalInterface
public interface TemplatePreparer {

    /**
     * Prepares the template, for example by running migrations through
     * {@link TestDatabase#adminDataSource()}. Must close every connection it opens.
     */
    void prepare(TestDatabase template) throws Exception;
}
