using ServerlessCdc.Agents;

namespace ServerlessCdc.Agents.Tests;

/// <summary>The change a tracked list reports is exactly what turns the stored array into the current one.</summary>
public sealed class TrackedListTests
{
    [Fact]
    public void Appending_and_dropping_the_oldest_reports_the_drop_and_the_new_suffix()
    {
        var list = new TrackedList<int>([1, 2, 3]);
        list.Add(4);
        list.Add(5);
        list.RemoveFront(2);

        Assert.Equal((2, 1), (list.Dropped, list.SuffixStart));
        Assert.Equal([4, 5], list.Skip(list.SuffixStart));
        Assert.True(list.IsChanged);
    }

    [Fact]
    public void Changing_a_stored_item_rewrites_the_whole_array()
    {
        var list = new TrackedList<int>([1, 2, 3]);
        list[1] = 20;

        Assert.Equal((3, 0), (list.Dropped, list.SuffixStart));
    }

    [Fact]
    public void Accepting_the_changes_makes_the_current_items_the_stored_ones()
    {
        var list = new TrackedList<int>([1, 2]);
        list.Insert(0, 0);
        list.AcceptChanges();

        Assert.Equal((0, 3, false), (list.Dropped, list.SuffixStart, list.IsChanged));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Any_sequence_of_edits_is_reproduced_from_the_stored_array_by_its_change(int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 500; round++)
        {
            var stored = Enumerable.Range(0, random.Next(8)).Select(_ => random.Next(100)).ToList();
            var list = new TrackedList<int>(stored);
            var expected = new List<int>(stored);
            for (var edit = random.Next(1, 12); edit > 0; edit--)
            {
                var at = expected.Count == 0 ? 0 : random.Next(expected.Count);
                switch (random.Next(expected.Count == 0 ? 1 : 5))
                {
                    case 0:
                        var value = random.Next(100);
                        list.Add(value);
                        expected.Add(value);
                        break;
                    case 1:
                        var inserted = random.Next(100);
                        list.Insert(at, inserted);
                        expected.Insert(at, inserted);
                        break;
                    case 2:
                        list.RemoveAt(at);
                        expected.RemoveAt(at);
                        break;
                    case 3:
                        var count = random.Next(expected.Count + 1);
                        list.RemoveFront(count);
                        expected.RemoveRange(0, count);
                        break;
                    default:
                        list[at] = -1;
                        expected[at] = -1;
                        break;
                }

                // Postgres: stored[dropped + 1:] || suffix.
                var written = stored.Skip(list.Dropped).Concat(list.Skip(list.SuffixStart)).ToList();
                Assert.Equal(expected, written);
                Assert.Equal(expected, list);
            }
        }
    }
}
