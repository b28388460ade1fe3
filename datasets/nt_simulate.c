/* placeholder: the synthetic population generator goes here */
