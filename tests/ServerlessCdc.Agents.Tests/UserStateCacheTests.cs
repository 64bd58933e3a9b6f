using ServerlessCdc.Agents;

namespace ServerlessCdc.Agents.Tests;

public sealed class UserStateCacheTests
{
    [Fact]
    public void A_checked_out_state_is_not_handed_to_a_second_batch_until_returned()
    {
        var cache = new UserStateCache<User>(10);
        cache.Return([(new User(1), 3), (new User(2), 1)]);

        var first = cache.CheckOut([1, 2]);
        var second = cache.CheckOut([1]);
        cache.Return(first.Values);

        Assert.Equal([1L, 2L], first.Keys.Order());
        Assert.Empty(second);
        Assert.Equal(3, cache.CheckOut([1])[1].Version);
    }

    [Fact]
    public void An_older_version_returned_late_does_not_replace_a_newer_one()
    {
        var cache = new UserStateCache<User>(10);
        var newer = new User(1);
        cache.Return([(newer, 5)]);
        cache.Return([(new User(1), 4)]);

        Assert.Same(newer, cache.CheckOut([1])[1].State);
    }

    [Fact]
    public void Beyond_its_capacity_it_keeps_no_new_users()
    {
        var cache = new UserStateCache<User>(2);
        cache.Return([(new User(1), 0), (new User(2), 0), (new User(3), 0)]);

        Assert.Equal(2, cache.Count);
        Assert.Empty(cache.CheckOut([3]));
    }

    [Fact]
    public void Filled_with_the_whole_table_it_knows_a_user_it_never_saw_has_no_row()
    {
        var cache = new UserStateCache<User>(10);
        Assert.False(cache.IsComplete);
        Assert.Empty(Rowless(cache, [1, 2]));

        cache.Fill([(new User(1), 4)], wholeTable: true);

        Assert.True(cache.IsComplete);
        var taken = cache.CheckOut([1, 2], out var rowless);
        Assert.Equal([1L], taken.Keys);
        Assert.Equal([2L], rowless);
    }

    [Fact]
    public void A_user_a_batch_holds_or_lost_in_a_failure_is_not_taken_for_rowless()
    {
        var cache = new UserStateCache<User>(10);
        cache.Fill([(new User(1), 4)], wholeTable: true);

        cache.CheckOut([1, 2], out _);

        // The batch failed: it returns nothing, and neither user is known now, so both must be read.
        Assert.Empty(cache.CheckOut([1, 2], out var rowless));
        Assert.Empty(rowless);

        cache.Return([(new User(2), 0)]);
        Assert.Equal(0, cache.CheckOut([2])[2].Version);
        Assert.Empty(Rowless(cache, [1]));
    }

    [Fact]
    public void After_a_user_it_could_not_keep_it_no_longer_takes_unknown_users_for_rowless()
    {
        var cache = new UserStateCache<User>(1);
        cache.Fill([], wholeTable: true);
        cache.Return([(new User(1), 0), (new User(2), 0)]);

        Assert.False(cache.IsComplete);
        Assert.Empty(Rowless(cache, [3]));
    }

    [Fact]
    public void A_table_larger_than_the_cache_is_not_taken_whole()
    {
        var cache = new UserStateCache<User>(1);
        cache.Fill([(new User(1), 0), (new User(2), 0)], wholeTable: true);

        Assert.False(cache.IsComplete);
        Assert.Equal(1, cache.Count);
    }

    private static long[] Rowless(UserStateCache<User> cache, long[] users)
    {
        cache.CheckOut(users, out var rowless);
        return rowless;
    }

    private sealed class User(long id) : IUserState
    {
        public long UserId => id;

        public bool Contains(long transactionId) => false;

        public void AcceptChanges()
        {
        }
    }
}
