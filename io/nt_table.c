/* placeholder, implemented next */
