package com.voxanne.testkit.postgres;

/** A prepared database that hands out fresh, independent copies of itself. */
public interface DatabaseTemplate {

    /** The template database's name on the server. */
    String name();

    /**
     * A new database with the template's content ({@code CREATE DATABASE … TEMPLATE …}); nothing done
     * in it is seen by any other copy. Close it to drop it.
     */
    TestDatabase newDatabase();
}
